/**
 * `npm start`: the whole pipeline on this machine. Starts the emulators, creates the
 * queues/bucket/table, runs `serverless offline` and the SQS event sources, prints
 * the endpoint and API key, and on Ctrl-C or SIGTERM stops every process it started.
 *
 * Environment: FANOUT_API_KEY (else one is generated), FANOUT_STAGE (default dev),
 * FANOUT_HTTP_PORT (3000), FANOUT_LAMBDA_PORT (3002), FANOUT_DEMO_PORT (8081; FANOUT_DEMO=0
 * for no demo site), FANOUT_FAULTS (random:<p>[:<seed>] or JSON fault rules, for the
 * event sources), FANOUT_ALLOW_NET and the other
 * FANOUT_* engine defaults and POWERTOOLS_LOG_LEVEL (passed to the functions),
 * FANOUT_VERBOSE=1 for all logs.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { ConfigError } from '../errors';
import { DEMO_HOST, startDemoSite } from './demo-site';
import { faultsFromEnv, RANDOM_PROFILES } from './fault-injector';
import { startLocalStack } from './local-stack';
import { LOCAL_STACK_FILE } from './stack-file';

function port(key: string, fallback: number): number {
  const raw = process.env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new ConfigError(`Expected \`${key}\` to be a port number (0-65535), got \`${raw}\``);
  }
  return n;
}

/** Engine defaults, the network allowance and the log level the functions take from this environment. */
const PASSED_THROUGH = [
  'POWERTOOLS_LOG_LEVEL',
  'FANOUT_ALLOW_NET',
  'FANOUT_CONCURRENCY',
  'FANOUT_PER_HOST',
  'FANOUT_TIMEOUT_MS',
  'FANOUT_RETRIES',
  'FANOUT_MAX_BYTES',
  'FANOUT_HOST_RATE',
  'FANOUT_RATE',
  'FANOUT_HOST_BURST',
  'FANOUT_MAX_HOST_WAIT_MS',
  'FANOUT_MAX_HOST_ERRORS',
  'FANOUT_ROBOTS',
  'FANOUT_CHUNK_URLS',
  'FANOUT_CHUNK_BYTES',
] as const;

async function main(): Promise<void> {
  const verbose = process.env.FANOUT_VERBOSE === '1';
  const functionEnv: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) functionEnv[key] = value;
  }
  const demo = process.env.FANOUT_DEMO === '0' ? null : await startDemoSite(port('FANOUT_DEMO_PORT', 8081));
  if (demo !== null) {
    // The demo site is the one loopback host the guard lets through by default.
    const demoEntry = `${DEMO_HOST}:${new URL(demo.origin).port}`;
    functionEnv.FANOUT_ALLOW_NET = [functionEnv.FANOUT_ALLOW_NET, demoEntry].filter(Boolean).join(',');
  }
  process.stdout.write('fanout: starting emulators, serverless offline and event sources...\n');
  const stack = await startLocalStack({
    stage: process.env.FANOUT_STAGE ?? 'dev',
    httpPort: port('FANOUT_HTTP_PORT', 3000),
    lambdaPort: port('FANOUT_LAMBDA_PORT', 3002),
    functionEnv,
    watch: true,
    // Function output and event-source problems are always shown; the framework's
    // own chatter only with FANOUT_VERBOSE=1.
    log: (line) => {
      if (verbose || !line.startsWith('[fauxqs]')) process.stdout.write(`${line}\n`);
    },
  });
  // FANOUT_FAULTS=random:0.2 (or a JSON list of rules): faults on purpose (src/local/fault-injector.ts).
  faultsFromEnv(
    process.env.FANOUT_FAULTS,
    stack.consumerSource.faults,
    RANDOM_PROFILES.consumer,
    stack.settings.chunkQueue.maxReceiveCount,
  );
  faultsFromEnv(
    process.env.FANOUT_FAULTS,
    stack.splitterSource.faults,
    RANDOM_PROFILES.splitter,
    stack.settings.splitQueue.maxReceiveCount,
  );
  process.stdout.write(
    [
      '',
      `fanout local stack (stage ${stack.settings.stage}) is up`,
      `  HTTP API     ${stack.httpUrl}   (POST /jobs, GET /jobs/{jobId}, GET /jobs/{jobId}/results, GET /jobs/{jobId}/report; GET /openapi.json)`,
      `  API key      ${stack.apiKey}`,
      `  Lambda       ${stack.lambdaEndpoint}`,
      `  SQS + S3     ${stack.endpoints.sqs}   (queue ${stack.resources.queueUrl}, bucket ${stack.resources.bucket})`,
      `  DynamoDB     ${stack.endpoints.dynamodb}   (table ${stack.resources.table})`,
      '',
      ...(demo === null ? [] : [`  Demo site    ${demo.origin}   (allowed through the network guard)`]),
      `  Guard allows ${functionEnv.FANOUT_ALLOW_NET ?? '(nothing)'}`,
      '',
      `  try: npx fanout submit test/fixtures/example-urls.txt --wait`,
      `  (the CLI finds this endpoint and key in ${LOCAL_STACK_FILE}; elsewhere pass --endpoint and --api-key)`,
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await mkdir('.local', { recursive: true });
  await writeFile(LOCAL_STACK_FILE, JSON.stringify({ endpoint: stack.httpUrl, apiKey: stack.apiKey }) + '\n', { mode: 0o600 });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nfanout: ${signal}, stopping...\n`);
    Promise.all([stack.stop(), demo?.close(), rm(LOCAL_STACK_FILE, { force: true })]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`fanout: could not start the local stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
