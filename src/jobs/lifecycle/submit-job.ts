import { IdempotencyMismatchError } from '../errors';
import { announceEnd } from './announce';
import { INLINE_GROUP } from '../ledger/chunk-ref';
import { cutChunks, groupByHost, type ChunkLimits } from '../chunks/chunking';
import type { JobLedger } from '../ledger/job-ledger';
import { jobEngineConfig, type JobLimits } from '../job-options';
import type { ManifestReader } from '../chunks/manifest';
import { chunkMessageId, type ChunkUrl, type JobOptions, type PlanMessage } from '../chunks/messages';
import { JOB_STATES, type EventPublisher, type QueuePublisher } from '../ports';
import { slowHostsWarning, type JobWarning } from '../chunks/slow-hosts';
import type { WebhookDelivery } from '../../webhook/webhook';

/** What submitting needs. */
export interface SubmitDeps {
  readonly ledger: JobLedger;
  readonly chunkQueue: QueuePublisher;
  readonly splitQueue: QueuePublisher;
  readonly events: EventPublisher;
  readonly webhooks?: WebhookDelivery;
  readonly manifests: ManifestReader;
  readonly limits: ChunkLimits;
  /** What the deployment allows a job (options, manifest location). */
  readonly jobLimits: JobLimits;
  readonly now: () => number;
}

/** What a submit answers; `total`/`chunks` are null for manifests (known once split). */
export interface SubmitOutcome {
  readonly jobId: string;
  readonly total: number | null;
  readonly chunks: number | null;
  /** False when the job existed already (an idempotent re-submit). */
  readonly created: boolean;
  /** Things worth a look that did not stop the job (inline jobs: SLOW_HOSTS). */
  readonly warnings?: readonly JobWarning[];
}

/** A validated submission: an inline URL list or an S3 manifest. */
export type JobSubmission = (
  | { readonly kind: 'urls'; readonly urls: readonly string[]; readonly options: JobOptions }
  | { readonly kind: 'manifest'; readonly bucket: string; readonly key: string; readonly options: JobOptions }
) & {
  /** Where to POST the job's end (validated, guarded). */
  readonly webhook?: string;
  /** The request's fingerprint when it came with an `Idempotency-Key` (src/api/idempotency.ts). */
  readonly requestHash?: string;
};

/** Submits either kind of job under `jobId`. */
export function submitJob(deps: SubmitDeps, jobId: string, submission: JobSubmission): Promise<SubmitOutcome> {
  const extra = {
    ...(submission.webhook === undefined ? {} : { webhook: submission.webhook }),
    ...(submission.requestHash === undefined ? {} : { requestHash: submission.requestHash }),
  };
  return submission.kind === 'urls'
    ? submitUrls(deps, { jobId, urls: submission.urls, options: submission.options, ...extra })
    : submitManifest(deps, { jobId, bucket: submission.bucket, key: submission.key, options: submission.options, ...extra });
}

/**
 * Creates the job, registers its chunks (so `chunks.total` is right before any is
 * sent) and queues them. If queuing fails after the publisher's retries, the job is
 * marked failed with the reason and the error rethrown: never silently half-queued.
 *
 * Re-submitting an existing job id (a retried schedule tick) does not make a second
 * job: one not yet done or failed is registered and sent again (both idempotent per chunk id:
 * the ledger registers a group once and claims a chunk once however often it arrives); a done or failed one is left alone.
 */
export function submitUrls(
  deps: SubmitDeps,
  job: {
    readonly jobId: string;
    readonly urls: readonly string[];
    readonly options: JobOptions;
    readonly webhook?: string;
    readonly requestHash?: string;
  },
): Promise<SubmitOutcome> {
  const { urls, ...rest } = job;
  return submitInputs(deps, { ...rest, inputs: urls.map((url, i) => ({ url, line: i + 1 })) });
}

/** {@link submitUrls} with line numbers of the caller's (a redrive keeps its parent's), and an optional parent. */
export async function submitInputs(
  deps: SubmitDeps,
  job: {
    readonly jobId: string;
    readonly inputs: readonly ChunkUrl[];
    readonly options: JobOptions;
    readonly parent?: string;
    readonly webhook?: string;
    /** A monitoring run: its records say what changed against `previous` (see scheduled-submit.ts). */
    readonly monitor?: boolean;
    readonly requestHash?: string;
  },
): Promise<SubmitOutcome> {
  const created = await deps.ledger.createJob({
    jobId: job.jobId,
    options: job.options,
    source: job.parent === undefined ? 'urls' : `redrive:${job.parent}`,
    splitsTotal: 1,
    ...(job.parent === undefined ? {} : { parent: job.parent }),
    ...(job.webhook === undefined ? {} : { webhook: job.webhook }),
    ...(job.requestHash === undefined ? {} : { requestHash: job.requestHash }),
    now: deps.now(),
  });
  if (!created) await expectSameRequest(deps.ledger, job.jobId, job.requestHash);
  const hosts = groupByHost(job.inputs);
  const chunkJob = {
    jobId: job.jobId,
    options: job.options,
    group: INLINE_GROUP,
    wholeJob: true,
    ...(job.monitor === true ? { monitor: true } : {}),
  };
  const chunks = [...cutChunks(hosts, chunkJob, deps.limits)];
  const warning = slowHostsWarning(hosts, jobEngineConfig(deps.jobLimits.engine, job.options, deps.jobLimits.bodyMemoryBytes));
  const outcome = {
    jobId: job.jobId,
    total: job.inputs.length,
    chunks: chunks.length,
    created,
    ...(warning === undefined ? {} : { warnings: [warning] }),
  };
  if (!created && !(await stillQueued(deps.ledger, job.jobId))) return outcome;
  await queueing(deps, job.jobId, async () => {
    await deps.ledger.registerGroup(job.jobId, { group: INLINE_GROUP, chunks: chunks.length, urls: job.inputs.length }, deps.now());
    await deps.chunkQueue.sendAll(chunks.map((c) => ({ id: chunkMessageId(c), body: JSON.stringify(c) })));
  });
  return outcome;
}

/**
 * Accepts a manifest job: checks the object exists (ManifestError otherwise), creates
 * the job and queues one plan message; the splitter does the rest off the request path.
 */
export async function submitManifest(
  deps: SubmitDeps,
  job: {
    readonly jobId: string;
    readonly bucket: string;
    readonly key: string;
    readonly options: JobOptions;
    readonly webhook?: string;
    readonly requestHash?: string;
  },
): Promise<SubmitOutcome> {
  await deps.manifests.head(job.bucket, job.key);
  const created = await deps.ledger.createJob({
    jobId: job.jobId,
    options: job.options,
    source: `s3://${job.bucket}/${job.key}`,
    ...(job.webhook === undefined ? {} : { webhook: job.webhook }),
    ...(job.requestHash === undefined ? {} : { requestHash: job.requestHash }),
    now: deps.now(),
  });
  if (!created) await expectSameRequest(deps.ledger, job.jobId, job.requestHash);
  const outcome = { jobId: job.jobId, total: null, chunks: null, created };
  if (!created && !(await stillQueued(deps.ledger, job.jobId))) return outcome;
  const plan: PlanMessage = { kind: 'plan', jobId: job.jobId, bucket: job.bucket, key: job.key, options: job.options };
  await queueing(deps, job.jobId, () => deps.splitQueue.sendAll([{ id: 'plan', body: JSON.stringify(plan) }]));
  return outcome;
}

/**
 * A job id that exists already is a repeat. Under an idempotency key it must be the
 * same request: checked after the create, so that of two racing requests with one key
 * the one whose create lost is refused before it sends anything.
 */
async function expectSameRequest(ledger: JobLedger, jobId: string, requestHash: string | undefined): Promise<void> {
  if (requestHash === undefined) return;
  if ((await ledger.requestHashOf(jobId)) !== requestHash) throw new IdempotencyMismatchError();
}

/** Not done and not failed: a retried submit may have stopped half-way, so queue again. */
async function stillQueued(ledger: JobLedger, jobId: string): Promise<boolean> {
  return (await ledger.completion(jobId))?.state === JOB_STATES.QUEUED;
}

async function queueing(deps: SubmitDeps, jobId: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const reason = `Queuing failed: ${error instanceof Error ? error.message : String(error)}`;
    await deps.ledger.markFailed(jobId, reason, deps.now());
    await announceEnd(deps, jobId, true);
    throw error;
  }
}
