import { FanoutError } from '../../../src/errors';
import { createLogger, invocationLogger } from '../../../src/observability/logger';
import { lambdaContext } from '../api/events';
import { capturedLogs } from './captured-logs';

describe('createLogger', () => {
  it('writes one JSON line per entry with the service, level, message and extra keys', () => {
    const { log, lines } = capturedLogs('info');
    log.info('chunk consumed', { succeeded: 3 });
    expect(lines).toEqual([expect.objectContaining({ service: 'fanout', level: 'INFO', message: 'chunk consumed', succeeded: 3 })]);
  });

  it('prints nothing below its level', () => {
    const { log, lines } = capturedLogs('warn');
    log.info('quiet');
    log.debug('quieter');
    log.warn('loud');
    expect(lines.map((l) => l['message'])).toEqual(['loud']);
  });

  it('gives a child its keys without giving them to the parent or a sibling', () => {
    const { log, lines } = capturedLogs();
    const a = log.createChild({ persistentKeys: { chunkId: 'a' } });
    const b = log.createChild({ persistentKeys: { chunkId: 'b' } });
    a.appendPersistentKeys({ jobId: 'job-a' });
    b.info('from b');
    a.info('from a');
    log.info('from root');
    expect(lines.map((l) => [l['message'], l['chunkId'], l['jobId']])).toEqual([
      ['from b', 'b', undefined],
      ['from a', 'a', 'job-a'],
      ['from root', undefined, undefined],
    ]);
  });

  it('logs an error with its name, message, code and stack', () => {
    const { log, lines } = capturedLogs();
    log.error('record failed', { error: new FanoutError('BAD_MESSAGE', 'not json') });
    expect(lines[0]?.['error']).toMatchObject({ name: 'FanoutError', message: 'not json', code: 'BAD_MESSAGE', stack: expect.any(String) });
  });

  it('writes to stdout when no sink is given', () => {
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      createLogger({ level: 'info' }).info('to stdout');
      expect(spy.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as unknown)).toEqual([
        expect.objectContaining({ message: 'to stdout', service: 'fanout' }),
      ]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('invocationLogger', () => {
  it('adds the Lambda request id and function name to every line of the invocation, and its children', () => {
    const { log, lines } = capturedLogs();
    const invocation = invocationLogger(log, lambdaContext(60_000, 'req-42'));
    invocation.createChild({ persistentKeys: { chunkId: 'c' } }).info('in a chunk');
    log.info('outside');
    expect(lines[0]).toMatchObject({ function_request_id: 'req-42', function_name: 'fanout-dev-fn', chunkId: 'c' });
    expect(lines[1]).not.toHaveProperty('function_request_id');
  });
});
