/**
 * Jest global setup of the `e2e` project: the whole local pipeline, started by the
 * same code as `npm start` (src/local/local-stack.ts) on free loopback ports, stage
 * `e2e` (short timeouts: see serverless.yml params). Runs in jest's parent process;
 * the workers get what they need through the environment:
 *
 * - FANOUT_E2E_API_URL, FANOUT_E2E_API_KEY: the HTTP API and its key;
 * - FANOUT_E2E_LAMBDA_ENDPOINT: serverless-offline's Lambda endpoint (schedule tick);
 * - FANOUT_E2E_CONTROL_URL: `POST /kill-offline` SIGKILLs serverless-offline (every
 *   running invocation dies) and starts it again; `GET /stats` gives the event sources'
 *   counters; `POST /faults` `{"consumer":[rules],"splitter":[rules]}` adds fault rules
 *   to the event sources (src/local/fault-injector.ts), `GET /faults` tells which fired;
 *   `GET /events` lists what the functions published to the local EventBridge bus;
 * - FANOUT_E2E_QUEUE_URL, FANOUT_E2E_DLQ_URL, FANOUT_E2E_BUCKET, FANOUT_E2E_TABLE;
 * - FANOUT_E2E_SQS_ENDPOINT, FANOUT_E2E_S3_ENDPOINT (through the fault proxy: see
 *   s3-fault-proxy.ts), FANOUT_E2E_DYNAMODB_ENDPOINT and dummy AWS credentials. Not
 *   the FANOUT_*_ENDPOINT names: every project's global setup runs in the same jest
 *   parent process, and those belong to the `aws` project's emulators;
 * - FANOUT_E2E_LOG: file with every line the stack printed (functions included).
 */
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRule } from '../../src/local/fault-injector';
import { startLocalStack } from '../../src/local/local-stack';
import { setRunning } from './running-stack';
import { listenOnLoopback } from './listen-loopback';
import { startS3FaultProxy, type S3FaultProxy } from './s3-fault-proxy';

export default async function e2eGlobalSetup(): Promise<void> {
  const logPath = join(tmpdir(), `fanout-e2e-${process.pid}.log`);
  const logFile = createWriteStream(logPath);
  let proxy: S3FaultProxy | undefined;
  const stack = await startLocalStack({
    stage: 'e2e',
    httpPort: 0,
    lambdaPort: 0,
    // The deployment's limits: a job may ask for up to 100 in flight (and per host).
    functionEnv: { FANOUT_ALLOW_NET: '127.0.0.1', FANOUT_CONCURRENCY: '100', FANOUT_PER_HOST: '100' },
    wrapEndpoint: async (service, endpoint) => {
      if (service !== 's3') return endpoint;
      proxy = await startS3FaultProxy(endpoint);
      return proxy.endpoint;
    },
    log: (line) => logFile.write(`${line}\n`),
  });
  const control = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'POST' && req.url === '/kill-offline') {
      stack.killAndRestartOffline().then(
        () => reply(200, { restarted: true }),
        (error: unknown) => reply(500, { error: String(error) }),
      );
    } else if (req.method === 'POST' && req.url === '/faults') {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        const rules = JSON.parse(Buffer.concat(parts).toString('utf8')) as { consumer?: FaultRule[]; splitter?: FaultRule[] };
        stack.consumerSource.faults.add(rules.consumer ?? []);
        stack.splitterSource.faults.add(rules.splitter ?? []);
        reply(200, { added: true });
      });
    } else if (req.method === 'GET' && req.url === '/faults') {
      reply(200, {
        consumer: Object.fromEntries(stack.consumerSource.faults.fired),
        splitter: Object.fromEntries(stack.splitterSource.faults.fired),
      });
    } else if (req.method === 'GET' && req.url === '/events') {
      reply(200, stack.eventBus.events());
    } else if (req.method === 'GET' && req.url === '/stats') {
      reply(200, { consumer: stack.consumerSource.stats(), splitter: stack.splitterSource.stats() });
    } else {
      reply(404, { error: 'not found' });
    }
  });
  const controlListener = await listenOnLoopback(control);

  setRunning('e2e-stack', async () => {
    await controlListener.close();
    await stack.stop();
    await proxy?.close();
    await new Promise<void>((resolve) => logFile.end(resolve));
  });

  Object.assign(process.env, {
    FANOUT_E2E_API_URL: stack.httpUrl,
    FANOUT_E2E_API_KEY: stack.apiKey,
    FANOUT_E2E_WEBHOOK_SECRET: stack.webhookSecret,
    FANOUT_E2E_LAMBDA_ENDPOINT: stack.lambdaEndpoint,
    FANOUT_E2E_CONTROL_URL: controlListener.origin,
    FANOUT_E2E_QUEUE_URL: stack.resources.queueUrl,
    FANOUT_E2E_DLQ_URL: stack.resources.dlqUrl,
    FANOUT_E2E_BUCKET: stack.resources.bucket,
    FANOUT_E2E_TABLE: stack.resources.table,
    FANOUT_E2E_LOG: logPath,
    FANOUT_E2E_SQS_ENDPOINT: stack.endpoints.sqs,
    FANOUT_E2E_S3_ENDPOINT: proxy?.endpoint ?? stack.endpoints.s3,
    FANOUT_E2E_DYNAMODB_ENDPOINT: stack.endpoints.dynamodb,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
}
