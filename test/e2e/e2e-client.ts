import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/** What the e2e global setup exported (see test/support/e2e-global-setup.ts). */
export function e2eEnv(key: string): string {
  const value = process.env[key];
  if (value === undefined || value === '') throw new Error(`${key} is not set: run through the jest e2e project`);
  return value;
}

export interface ApiResponse {
  readonly status: number;
  readonly body: any;
}

/** Calls the local HTTP API; retries only connection failures (serverless-offline restarting). */
export async function api(
  method: string,
  path: string,
  options: { body?: string; apiKey?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const apiKey = options.apiKey === undefined ? e2eEnv('FANOUT_E2E_API_KEY') : options.apiKey;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const response = await fetch(`${e2eEnv('FANOUT_E2E_API_URL')}${path}`, { method, headers, body: options.body });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the assertion message
      }
      return { status: response.status, body };
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Job status as GET /jobs/{jobId} answers it. */
export interface JobStatus {
  jobId: string;
  state: string;
  total: number;
  succeeded: number;
  failed: number;
  chunks: { total: number; done: number };
}

/** Submits a job and returns the 202 body; fails the test on any other status. */
export async function submit(
  urls: readonly string[],
  options?: Record<string, unknown>,
): Promise<{ jobId: string; total: number; chunks: number }> {
  const response = await api('POST', '/jobs', { body: JSON.stringify({ urls, ...(options ? { options } : {}) }) });
  if (response.status !== 202) throw new Error(`POST /jobs answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Polls GET /jobs/{jobId} until the job has ended (done, failed or cancelled), or `timeoutMs` passes. */
export async function waitForJob(jobId: string, timeoutMs: number): Promise<JobStatus> {
  const until = Date.now() + timeoutMs;
  let last: ApiResponse | undefined;
  while (Date.now() < until) {
    last = await api('GET', `/jobs/${jobId}`);
    if (last.status === 200 && ['done', 'failed', 'cancelled'].includes(last.body.state)) return last.body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`job ${jobId} not finished after ${timeoutMs} ms; last status ${JSON.stringify(last?.body)}`);
}

/** Reads every result of a job, following nextCursor. */
export async function allResults(jobId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const response = await api('GET', `/jobs/${jobId}/results${query}`);
    if (response.status !== 200) throw new Error(`results answered ${response.status}: ${JSON.stringify(response.body)}`);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor !== null);
  return items;
}

/** Invokes a function through serverless-offline's Lambda endpoint; returns its parsed answer. */
export async function invokeFunction(name: string, event: unknown): Promise<{ functionError?: string; payload: any }> {
  const lambda = new LambdaClient({
    region: 'us-east-1',
    endpoint: e2eEnv('FANOUT_E2E_LAMBDA_ENDPOINT'),
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  try {
    const response = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(event)) }));
    const text = response.Payload === undefined ? '' : Buffer.from(response.Payload).toString('utf8');
    return { functionError: response.FunctionError, payload: text === '' ? null : JSON.parse(text) };
  } finally {
    lambda.destroy();
  }
}

/** Counts how many results each `line` has. */
export function countByLine(items: readonly { line: number }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(item.line, (counts.get(item.line) ?? 0) + 1);
  return counts;
}
