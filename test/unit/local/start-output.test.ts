import { ConfigError } from '../../../src/errors';
import { startLogLevel, StartOutput } from '../../../src/local/start-output';
import type { LogLevelName } from '../../../src/observability/logger';

function capture(level: LogLevelName, maxHeld?: number) {
  const shown: string[] = [];
  const output = new StartOutput({ level, write: (line) => shown.push(line), ...(maxHeld === undefined ? {} : { maxHeld }) });
  return { shown, output };
}

describe('StartOutput', () => {
  it('holds back what the processes print while the stack starts, and shows what comes after', () => {
    const { shown, output } = capture('info');
    output.line('[dynalite] {"port":43861}');
    output.line('(λ: consumer) RequestId: 1  Duration: 15023.07 ms');
    output.line('   POST   | http://127.0.0.1:3000/2015-03-31/functions/api/invocations');
    expect(shown).toEqual([]);
    output.up();
    output.line('(λ: consumer) RequestId: 2  Duration: 12.5 ms');
    output.line('[fauxqs] GET /queue');
    expect(shown).toEqual(['(λ: consumer) RequestId: 2  Duration: 12.5 ms']);
  });

  it('keeps the held lines for a start that fails, the latest ones when there are many', () => {
    const { shown, output } = capture('warn', 3);
    for (let i = 1; i <= 5; i += 1) output.line(`line ${i}`);
    expect(output.held()).toEqual(['line 3', 'line 4', 'line 5']);
    expect(shown).toEqual([]);
  });

  it('shows everything as it comes at debug', () => {
    const { shown, output } = capture('debug');
    output.line('[dynalite] {"port":43861}');
    output.up();
    output.line('[fauxqs] GET /queue');
    expect(shown).toEqual(['[dynalite] {"port":43861}', '[fauxqs] GET /queue']);
  });
});

describe('startLogLevel', () => {
  it('reads FANOUT_LOG_LEVEL, info by default, and names the key and value when it is wrong', () => {
    expect(startLogLevel({})).toBe('info');
    expect(startLogLevel({ FANOUT_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(() => startLogLevel({ FANOUT_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => startLogLevel({ FANOUT_LOG_LEVEL: 'loud' })).toThrow(/`FANOUT_LOG_LEVEL`.*`loud`/);
  });
});
