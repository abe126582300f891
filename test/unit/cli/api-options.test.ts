import { PassThrough, Readable } from 'node:stream';
import { ApiRefusedError, clientFrom, explainApiFailure } from '../../../src/cli/api-options';
import type { CliIo } from '../../../src/cli/io';
import { ApiError, ApiUnreachableError } from '../../../src/client/fanout-client';
import { UsageError } from '../../../src/errors';

const LOCAL = { endpoint: 'http://127.0.0.1:3999', apiKey: 'local-stack-key' };

function io(env: NodeJS.ProcessEnv = {}): CliIo {
  return { stdin: Readable.from([]), stdout: new PassThrough(), stderr: new PassThrough(), env, localStack: LOCAL };
}

/** A `fetch` that records where each request went and with which key, answering a job status. */
function recordingFetch() {
  const sent: { url: string; key: string | null }[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(input), key: new Headers(init?.headers).get('x-api-key') });
    return new Response(JSON.stringify({ jobId: 'j' }), { status: 200 });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

describe('clientFrom', () => {
  it('talks to the local stack with its key when no endpoint is given', async () => {
    const { sent, fetchImpl } = recordingFetch();
    await clientFrom({}, io(), fetchImpl).getJob('j');
    expect(sent).toEqual([{ url: `${LOCAL.endpoint}/jobs/j`, key: LOCAL.apiKey }]);
  });

  it.each([
    ['--endpoint', { endpoint: 'http://127.0.0.1:4000' }, {}],
    ['FANOUT_ENDPOINT', {}, { FANOUT_ENDPOINT: 'http://127.0.0.1:4000' }],
  ])("never sends the local stack's key to an endpoint given by %s", async (_how, values, env) => {
    const { sent, fetchImpl } = recordingFetch();
    await clientFrom(values, io(env), fetchImpl).getJob('j');
    expect(sent).toEqual([{ url: 'http://127.0.0.1:4000/jobs/j', key: null }]);
  });
});

describe('explainApiFailure', () => {
  it.each([
    [new ApiError(404, 'NOT_FOUND', 'No job nope-id'), true, ApiRefusedError, 'no job nope-id'],
    [new ApiError(409, 'CONFLICT', 'Job j has ended (done)'), true, ApiRefusedError, 'job j has ended (done)'],
    [
      new ApiError(500, 'INTERNAL', 'Internal error (request id r)'),
      true,
      ApiRefusedError,
      'the API failed (HTTP 500): Internal error (request id r)',
    ],
    [
      new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid x-api-key'),
      false,
      UsageError,
      'No API key: pass --api-key or set FANOUT_API_KEY',
    ],
    [
      new ApiError(401, 'UNAUTHORIZED', 'Missing or invalid x-api-key'),
      true,
      UsageError,
      'the API refused the key (Missing or invalid x-api-key)',
    ],
    [
      new ApiError(400, 'VALIDATION', 'Invalid job', [{ field: 'options.perHost', reason: 'must be at most 64' }]),
      true,
      UsageError,
      'Invalid job: options.perHost must be at most 64',
    ],
    [
      new ApiUnreachableError('http://127.0.0.1:3000', 'ECONNREFUSED'),
      true,
      ApiRefusedError,
      'nothing answers at http://127.0.0.1:3000 — is `npm start` running?',
    ],
    [
      new ApiUnreachableError('https://api.example.com', 'ECONNREFUSED'),
      true,
      ApiRefusedError,
      'nothing answers at https://api.example.com (ECONNREFUSED)',
    ],
    [
      new ApiUnreachableError('https://api.example.com', 'TIMEOUT'),
      true,
      ApiRefusedError,
      'no answer from https://api.example.com in time',
    ],
  ] as const)('explains %p (key given: %p)', (error, keyGiven, kind, message) => {
    const explained = explainApiFailure(error, keyGiven);
    expect(explained).toBeInstanceOf(kind);
    expect((explained as Error).message).toBe(message);
  });

  it('passes anything else through, to be reported as an internal error', () => {
    const bug = new TypeError('x is undefined');
    expect(explainApiFailure(bug, true)).toBe(bug);
  });
});
