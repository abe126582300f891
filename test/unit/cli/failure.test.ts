import { PassThrough, Readable } from 'node:stream';
import { ApiRefusedError } from '../../../src/cli/api-options';
import { CommandLineError, type CommandSpec } from '../../../src/cli/command-line';
import { reportFailure } from '../../../src/cli/failure';
import { OutputError, UsageError } from '../../../src/errors';

const SPEC: CommandSpec = { name: 'status', summary: 's', usage: ['<jobId> [options]'], options: [] };

function failWith(error: unknown, env: NodeJS.ProcessEnv = {}): { code: number; stderr: string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = reportFailure(error, SPEC, { stdin: Readable.from([]), stdout: new PassThrough(), stderr, env });
  return { code, stderr: text };
}

describe('reportFailure', () => {
  it.each([
    [
      new CommandLineError('missing the job id'),
      2,
      'fanout: missing the job id\nusage: fanout status <jobId> [options]   (fanout status --help for more)\n',
    ],
    [new UsageError('cannot read input file x'), 2, 'fanout: cannot read input file x\n'],
    [new ApiRefusedError('NOT_FOUND', 'no job nope-id'), 1, 'fanout: no job nope-id\n'],
    [new OutputError('cannot write results to /dev/full: ENOSPC'), 1, 'fanout: cannot write results to /dev/full: ENOSPC\n'],
  ])('tells %p in plain words, exit %p', (error, code, stderr) => {
    expect(failWith(error)).toEqual({ code, stderr });
  });

  it('calls only our own faults internal errors, in one line, the stack only with FANOUT_DEBUG=1', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(failWith(bug)).toEqual({
      code: 1,
      stderr: "fanout: internal error: Cannot read properties of undefined (reading 'x') (FANOUT_DEBUG=1 shows where)\n",
    });
    const debug = failWith(bug, { FANOUT_DEBUG: '1' });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^fanout: internal error: Cannot read .*\nTypeError: .*\n\s+at /);
  });
});
