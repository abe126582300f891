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
 * FANOUT_LOG_LEVEL=debug to see everything the processes print while the stack starts
 * (otherwise shown only when the start fails).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../errors';
import { DEMO_HOST, startDemoSite } from './demo-site';
import { faultsFromEnv, RANDOM_PROFILES } from './fault-injector';
import { startLocalStack } from './local-stack';
import { LOCAL_STACK_FILE } from './stack-file';
import { startBanner } from './start-banner';
import { startLogLevel, StartOutput } from './start-output';

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

/** Where the stack's processes print; made in main() so a bad FANOUT_LOG_LEVEL is a clear refusal. */
let output: StartOutput | undefined;

async function main(): Promise<void> {
  const level = startLogLevel(process.env);
  const out = new StartOutput({ level, write: (line) => process.stdout.write(`${line}\n`) });
  output = out;
  const functionEnv: Record<string, string> = { POWERTOOLS_LOG_LEVEL: level };
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
  process.stdout.write('fanout: starting emulators, serverless offline and event sources (about a minute)...\n');
  const stack = await startLocalStack({
    stage: process.env.FANOUT_STAGE ?? 'dev',
    httpPort: port('FANOUT_HTTP_PORT', 3000),
    lambdaPort: port('FANOUT_LAMBDA_PORT', 3002),
    functionEnv,
    watch: true,
    log: (line) => out.line(line),
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
  out.up();
  process.stdout.write(
    startBanner({
      stage: stack.settings.stage,
      httpUrl: stack.httpUrl,
      apiKey: stack.apiKey,
      lambdaEndpoint: stack.lambdaEndpoint,
      sqsAndS3: stack.endpoints.sqs,
      queueUrl: stack.resources.queueUrl,
      bucket: stack.resources.bucket,
      dynamodb: stack.endpoints.dynamodb,
      table: stack.resources.table,
      demoOrigin: demo?.origin,
      guardAllows: functionEnv.FANOUT_ALLOW_NET,
      stackFile: LOCAL_STACK_FILE,
    }),
  );
  await mkdir(dirname(LOCAL_STACK_FILE), { recursive: true });
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
  // What the processes printed while starting is the likeliest explanation: shown now.
  const held = output?.held() ?? [];
  if (held.length > 0) process.stderr.write(`${held.join('\n')}\n`);
  process.stderr.write(`fanout: could not start the local stack: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
