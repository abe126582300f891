import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createLogger } from '../observability/logger';
import { startEmulators, type EmulatorEndpoints, type Emulators } from './emulators';
import { startLocalEventBus, type LocalEventBus } from './event-bus';
import { createLocalResources, localClients, type LocalClients, type LocalResources } from './local-resources';
import { startOffline, type OfflineProcess } from './offline-process';
import { readPipelineSettings, type EventSourceSettings, type PipelineSettings, type QueueSettings } from './pipeline-settings';
import { freePort, signalGroup } from './processes';
import { SqsEventSource } from './sqs-event-source';

/** Options of {@link startLocalStack}; every one has a default fit for `npm start`. */
export interface LocalStackOptions {
  /** serverless.yml stage (default `dev`; the e2e tests use `e2e`). */
  readonly stage?: string;
  /** Directory holding serverless.yml (default: the repository root). */
  readonly serviceDir?: string;
  /** HTTP API port (default 3000; 0 picks a free one). */
  readonly httpPort?: number;
  /** serverless-offline Lambda endpoint port (default 3002; 0 picks a free one). */
  readonly lambdaPort?: number;
  /** API key; default `FANOUT_API_KEY` or a generated one. */
  readonly apiKey?: string;
  /** Webhook signing secret; default `FANOUT_WEBHOOK_SECRET` or a generated one. */
  readonly webhookSecret?: string;
  /** Extra environment for the functions (e.g. FANOUT_ALLOW_NET, FANOUT_TIMEOUT_MS). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /** Rebuild functions on source changes (default false). */
  readonly watch?: boolean;
  /**
   * Lets a test or benchmark put something between the functions and S3 or DynamoDB
   * (the e2e fault proxy, the benchmark's timing proxy): receives the emulator's
   * endpoint, returns the one the functions get.
   */
  readonly wrapEndpoint?: (service: 's3' | 'dynamodb', endpoint: string) => Promise<string>;
  readonly log?: (line: string) => void;
}

/** A running local pipeline. */
export interface LocalStack {
  readonly settings: PipelineSettings;
  readonly resources: LocalResources;
  /** Emulator endpoints as seen by code outside the functions (tests, CLI). */
  readonly endpoints: EmulatorEndpoints;
  readonly clients: LocalClients;
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:3000`. */
  readonly httpUrl: string;
  readonly lambdaEndpoint: string;
  readonly apiKey: string;
  /** The secret job webhooks are signed with. */
  readonly webhookSecret: string;
  readonly consumerSource: SqsEventSource;
  readonly splitterSource: SqsEventSource;
  /** The local EventBridge bus the functions publish job events to, with what it received. */
  readonly eventBus: LocalEventBus;
  /** Kills serverless-offline with SIGKILL (in-flight invocations die) and starts it again on the same ports. */
  killAndRestartOffline(): Promise<void>;
  /** Stops every process the stack started, in reverse order. */
  stop(): Promise<void>;
}

/** The repository root: src/local/ is two levels down. */
export const REPO_ROOT = join(__dirname, '..', '..');

function eventSource(
  settings: EventSourceSettings,
  queue: QueueSettings,
  clients: LocalClients,
  queueUrl: string,
  lambdaEndpoint: string,
  log: (line: string) => void,
): SqsEventSource {
  return new SqsEventSource({
    sqs: clients.sqs,
    queueUrl,
    visibilityTimeoutS: queue.visibilityTimeoutS,
    lambdaEndpoint,
    functionName: settings.functionName,
    batchSize: settings.batchSize,
    maximumBatchingWindowS: settings.maximumBatchingWindowS,
    maximumConcurrency: settings.maximumConcurrency,
    reportBatchItemFailures: settings.reportBatchItemFailures,
    functionTimeoutS: settings.functionTimeoutS,
    // The same Powertools logger as the functions', writing into the stack's own output.
    log: createLogger({ write: log }),
  });
}

/**
 * Brings the whole pipeline up locally: reads serverless.yml for the stage, starts
 * fauxqs and dynalite (and a loopback EventBridge bus), creates the queues (with DLQs and redrive), bucket and table,
 * starts `serverless offline` (HTTP API + Lambda endpoint) and the SQS event sources
 * for the consumer (chunk queue) and splitter (split queue). On failure, whatever was
 * started is stopped again before the error is thrown.
 *
 * @example
 * const stack = await startLocalStack({ stage: 'e2e', httpPort: 0, lambdaPort: 0 });
 * await fetch(`${stack.httpUrl}/jobs`, { method: 'POST', headers: { 'x-api-key': stack.apiKey }, body });
 * await stack.stop();
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const stage = options.stage ?? 'dev';
  const serviceDir = options.serviceDir ?? REPO_ROOT;
  const log = options.log ?? (() => {});
  const apiKey = options.apiKey ?? process.env.FANOUT_API_KEY ?? randomBytes(24).toString('base64url');
  const webhookSecret = options.webhookSecret ?? process.env.FANOUT_WEBHOOK_SECRET ?? randomBytes(24).toString('base64url');
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`[stack] stop failed: ${String(error)}`));
    }
  };
  try {
    const [settings, emulators] = await Promise.all([
      readPipelineSettings(stage, serviceDir),
      startEmulators(log).then((e: Emulators) => {
        cleanups.push(() => e.stop());
        return e;
      }),
    ]);
    const clients = localClients(emulators.endpoints);
    cleanups.push(async () => {
      clients.sqs.destroy();
      clients.s3.destroy();
      clients.dynamodb.destroy();
    });
    const resources = await createLocalResources(clients, settings);
    const eventBus = await startLocalEventBus();
    cleanups.push(() => eventBus.close());
    const wrap = options.wrapEndpoint ?? (async (_service: string, endpoint: string) => endpoint);
    const s3ForFunctions = await wrap('s3', emulators.endpoints.s3);
    const dynamodbForFunctions = await wrap('dynamodb', emulators.endpoints.dynamodb);
    const httpPort = options.httpPort === 0 ? await freePort() : (options.httpPort ?? 3000);
    const lambdaPort = options.lambdaPort === 0 ? await freePort() : (options.lambdaPort ?? 3002);
    const httpUrl = `http://127.0.0.1:${httpPort}`;
    const offlineOptions = {
      stage,
      serviceDir,
      httpPort,
      lambdaPort,
      watch: options.watch ?? false,
      log,
      env: {
        ...options.functionEnv,
        FANOUT_QUEUE_URL: resources.queueUrl,
        FANOUT_SPLIT_QUEUE_URL: resources.splitQueueUrl,
        FANOUT_BUCKET: resources.bucket,
        FANOUT_TABLE: resources.table,
        FANOUT_SQS_ENDPOINT: emulators.endpoints.sqs,
        FANOUT_S3_ENDPOINT: s3ForFunctions,
        FANOUT_DYNAMODB_ENDPOINT: dynamodbForFunctions,
        FANOUT_EVENTBRIDGE_ENDPOINT: eventBus.endpoint,
        FANOUT_EVENT_BUS: `fanout-${stage}-events`,
        FANOUT_API_KEY: apiKey,
        // Locally the key is literal; an empty parameter name means "no SSM".
        FANOUT_API_KEY_PARAM: '',
        FANOUT_WEBHOOK_SECRET: webhookSecret,
        FANOUT_WEBHOOK_SECRET_PARAM: '',
        // The functions follow fault plans only locally, and only the event sources'
        // FaultInjector attaches them (none unless faults are configured). Both keys:
        // the second is the launcher's word that this is the local stack.
        FANOUT_FAULT_INJECTION: '1',
        FANOUT_LOCAL_STACK: '1',
        FANOUT_PUBLIC_URL: httpUrl,
      },
    };
    let offline: OfflineProcess = await startOffline(offlineOptions);
    cleanups.push(() => offline.stop());
    const consumerSource = eventSource(settings.consumer, settings.chunkQueue, clients, resources.queueUrl, offline.lambdaEndpoint, log);
    const splitterSource = eventSource(
      settings.splitter,
      settings.splitQueue,
      clients,
      resources.splitQueueUrl,
      offline.lambdaEndpoint,
      log,
    );
    await Promise.all([consumerSource.warm(), splitterSource.warm()]);
    await consumerSource.start();
    cleanups.push(() => consumerSource.stop());
    await splitterSource.start();
    cleanups.push(() => splitterSource.stop());
    return {
      settings,
      resources,
      endpoints: emulators.endpoints,
      clients,
      httpUrl,
      lambdaEndpoint: offline.lambdaEndpoint,
      apiKey,
      webhookSecret,
      consumerSource,
      splitterSource,
      eventBus,
      killAndRestartOffline: async () => {
        signalGroup(offline.process.child, 'SIGKILL');
        await offline.stop();
        offline = await startOffline(offlineOptions);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
