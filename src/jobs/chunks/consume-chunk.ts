/**
 * Consuming one delivery of a chunk message, exactly once in effect however SQS
 * delivers it: once, twice in a row, twice at the same time, or again after a crash
 * between any two steps or a failed store call.
 *
 * | step | what it does                                    | if it is repeated, or the delivery dies right after it |
 * | ---- | ----------------------------------------------- | ------------------------------------------------------ |
 * | 0    | read the chunk's claim; if there is one, go to 4 | read only |
 * | 1    | fetch (or, on the message's last receive, record every URL as DELIVERY_LIMIT; for a cancelled job, as CANCELLED) | nothing is stored yet: a redelivery fetches again |
 * | 2    | write this delivery's results to a new object, `results/{job}/{chunk}/{delivery}.jsonl` | the object belongs to this delivery and is never overwritten; unclaimed, nothing reads it |
 * | 3    | claim: one conditional write of the claim item (this delivery's object, counts and leftover positions) | the first claim wins; a delivery that loses deletes its object and goes on with the *winner's* claim |
 * | 4    | if the claim has leftovers: register the child (+1 expected in its bucket, once) | once per child, by its lineage's counter; before the count, so the bucket cannot read complete while the child is pending |
 * | 5    | count the chunk (once, by its lineage's counter) and close what that completes | counted once; the closes are re-walked by every repeat |
 * | 6    | if the claim has leftovers: send the child | the child's id is the parent's plus one generation and its URLs are the claim's leftovers, so every repeat sends the same message until the child is counted; a duplicate child is just another delivery of it. Sent after the count, so a lineage is counted in generation order |
 * | 7    | if the count ended the job, announce it (one event), then mark it announced | a repeat announces again until it is marked: at least once, the same event |
 *
 * So every delivery after a claim finishes that claim's steps 4–6 and never its own
 * outcome: the results, the counts and the child all come from one claim. A delivery
 * that finds the chunk counted skips 4, sends the child only if it is not counted yet,
 * and re-walks the closes. Any store failure throws: SQS delivers the message again and the
 * table above applies. Nothing is deleted from the queue until step 6 is done.
 */
import { randomUUID } from 'node:crypto';
import type { EngineConfig } from '../../config/engine-config';
import { FETCH_ERROR_CODES, type FetchErrorCode } from '../../errors';
import { conditionalHeaders, withChange } from '../../monitoring/change';
import type { FetchResult } from '../../fetch/result';
import type { Engine, RunOptions, UrlInput } from '../../fetch/types';
import { childOf, decodePositions, encodePositions, type ChunkRef } from '../ledger/chunk-ref';
import type { ConsumeStep } from './faults';
import { announceEnd } from '../lifecycle/announce';
import { NotFoundError } from '../errors';
import { claimCounts, countChanges } from '../ledger/change-counts';
import type { ChunkClaim, JobLedger } from '../ledger/job-ledger';
import { checkFailureRate } from '../lifecycle/failure-rate';
import { maxFailureRateOf } from '../job-options';
import { isStopped } from '../ledger/job-state';
import { chunkMessageId, type ChunkMessage, type ChunkUrl, type JobOptions } from './messages';
import type { EventPublisher, QueuePublisher, ResultStore } from '../ports';
import { NO_RESULTS, tallyResults, type ResultTally } from './result-tally';
import type { WebhookDelivery } from '../../webhook/webhook';

/** What consuming a chunk needs. */
export interface ConsumeDeps {
  /** The process's one engine (shared connection pool). */
  readonly engine: Engine;
  /** The run config for a job's options (see createJobConfigs). */
  readonly configFor: (options: JobOptions) => EngineConfig;
  readonly results: ResultStore;
  readonly ledger: JobLedger;
  readonly chunkQueue: QueuePublisher;
  readonly events: EventPublisher;
  readonly webhooks?: WebhookDelivery;
  readonly now: () => number;
  /**
   * How a job's runs share their limits: the consumer names the job as the runs' limit
   * group (one set of limits for the job's chunks in this process) and hands out the
   * fleet-wide gates (src/jobs/fleet/fleet-gates.ts). Absent: each run has its own.
   */
  readonly runLimits?: (chunk: ChunkMessage) => Pick<RunOptions, 'limitGroup' | 'gates'>;
}

/** One delivery of a message, as the queue reported it. */
export interface Delivery {
  /** Unique per delivery (two concurrent deliveries of one message have the same message id). */
  readonly id: string;
  /** True when SQS will not deliver the message again (ApproximateReceiveCount ≥ maxReceiveCount). */
  readonly lastReceive: boolean;
  /** Called at each step; the local stack's fault injection throws from it. */
  readonly checkpoint?: (step: ConsumeStep) => void;
}

/**
 * What became of a delivery. Its `bytes` and `errors` tally only the records this
 * delivery's own claim stored (zero and empty when it finished an earlier claim), so
 * metrics summed over deliveries count each stored record once.
 */
export interface ConsumeOutcome extends ResultTally {
  /** True when this delivery's claim won; false when it finished an earlier one. */
  readonly claimed: boolean;
  readonly succeeded: number;
  readonly failed: number;
  /** URLs re-queued as the child chunk. */
  readonly requeued: number;
}

/** A new delivery id for a delivery that has none of its own. */
export const newDeliveryId = (): string => randomUUID();

/**
 * Times a URL's attempt may be cut by the deadline (DEADLINE) before that is stored as
 * its result instead of re-queued: a safety valve against a URL that can never finish
 * inside one invocation (a timeout longer than the Lambda's), which would loop forever.
 * Counted per URL (`ChunkUrl.cuts`), so a chunk re-queued many times for its hosts' rates
 * does not use up a URL's allowance.
 */
export const MAX_CUTS = 10;

/**
 * Generations a chunk's lineage may have: URLs never started (NOT_ATTEMPTED) are
 * re-queued until then. A host held to a slow rate, paused by `Retry-After`, or busy on
 * other consumers hands its URLs back each invocation by design, and each hand-back is
 * one generation (delayed until the host could take them), not a failure.
 */
export const MAX_WAITING_GENERATIONS = 500;

/** Longest SQS `DelaySeconds`. */
const MAX_DELAY_S = 900;

/** Consumes one delivery of a chunk; see the table at the top of this file. */
export async function consumeChunk(deps: ConsumeDeps, msg: ChunkMessage, delivery: Delivery, deadline: number): Promise<ConsumeOutcome> {
  const step = delivery.checkpoint ?? ((): void => {});
  const chunkId = chunkMessageId(msg);
  let claim = await deps.ledger.getClaim(msg.jobId, chunkId);
  let claimed = false;
  let tally = NO_RESULTS;
  if (claim === undefined) {
    const job = await deps.ledger.completion(msg.jobId);
    if (job === undefined) throw new NotFoundError(`No job ${msg.jobId} for chunk ${chunkId}`);
    const outcome = isStopped(job.state)
      ? recordedAs(msg, FETCH_ERROR_CODES.CANCELLED, `not fetched: the job was stopped (${job.state})`)
      : delivery.lastReceive
        ? recordedAs(msg, FETCH_ERROR_CODES.DELIVERY_LIMIT, GAVE_UP)
        : await fetchChunk(deps, msg, deadline, step);
    step('after-fetch');
    const objectKey = await deps.results.putDeliveryResults(msg.jobId, chunkId, delivery.id, outcome.results);
    step('after-results-write');
    const succeeded = outcome.results.filter((r) => r.ok).length;
    const mine: ChunkClaim = {
      deliveryId: delivery.id,
      objectKey,
      succeeded,
      failed: outcome.results.length - succeeded,
      ...countChanges(outcome.results),
      leftovers: encodePositions(outcome.leftovers),
      ...(outcome.cut.length === 0 ? {} : { cuts: encodePositions(outcome.cut) }),
      ...(outcome.resumeAt === undefined ? {} : { resumeAt: outcome.resumeAt }),
      claimedAt: deps.now(),
    };
    const result = await deps.ledger.claim(msg.jobId, chunkId, mine);
    claim = result.claim;
    claimed = result.won;
    const maxFailureRate = maxFailureRateOf(msg.options);
    if (claimed && maxFailureRate !== undefined) await checkFailureRate(deps.ledger, msg.jobId, claim, maxFailureRate, deps.now());
    if (claimed) tally = tallyResults(outcome.results);
    // A losing delivery's object is never read (only claimed objects are); removing it only saves storage.
    if (!claimed) await deps.results.deleteObject(objectKey).catch(() => undefined);
  }
  step('after-claim');
  const leftovers = decodePositions(claim.leftovers);
  // How much of this chunk's lineage is counted: a claim won just now knows (nothing from this generation on).
  const counted = leftovers.length === 0 || claimed ? msg.generation : await deps.ledger.countedInLineage(msg.jobId, msg);
  if (leftovers.length > 0 && counted <= msg.generation) await deps.ledger.registerChild(msg.jobId, msg, deps.now());
  const ended = await deps.ledger.countChunk(msg.jobId, msg, claimCounts(claim), deps.now());
  step('after-count');
  // Sent only once the parent is counted, so a lineage is counted in generation order; again by every repeat until the child is counted.
  if (leftovers.length > 0 && counted <= msg.generation + 1) {
    const child = childMessage(msg, leftovers, decodePositions(claim.cuts ?? ''));
    const delaySeconds =
      claim.resumeAt === undefined ? 0 : Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((claim.resumeAt - deps.now()) / 1000)));
    await deps.chunkQueue.sendAll([
      { id: chunkMessageId(child), body: JSON.stringify(child), ...(delaySeconds > 0 ? { delaySeconds } : {}) },
    ]);
  }
  step('after-child-send');
  if (ended) await announceEnd(deps, msg.jobId, delivery.lastReceive);
  return { claimed, succeeded: claim.succeeded, failed: claim.failed, requeued: leftovers.length, ...tally };
}

/** A fetched chunk: final records (in line order) and the positions of URLs to re-queue. */
interface ChunkOutcome {
  readonly results: readonly FetchResult[];
  readonly leftovers: readonly number[];
  /** The leftovers whose attempt the deadline cut (each counts against the URL's {@link MAX_CUTS}). */
  readonly cut: readonly number[];
  /** When the hosts that handed URLs back could take them (RunSummary.resumeAt). */
  readonly resumeAt?: number;
}

async function fetchChunk(
  deps: ConsumeDeps,
  msg: ChunkMessage,
  deadline: number,
  step: (step: ConsumeStep) => void,
): Promise<ChunkOutcome> {
  // Where a poison chunk kills its consumer: while fetching, which the last receive skips.
  step('before-fetch');
  const results: FetchResult[] = [];
  const leftovers: number[] = [];
  const positionByLine = new Map(msg.urls.map((u, i) => [u.line, i]));
  const storeBodies = msg.options['storeBodies'] === true;
  const cut: number[] = [];
  const lastGeneration = msg.generation + 1 >= MAX_WAITING_GENERATIONS;
  let bodyError: unknown;
  // A monitoring job asks each URL conditionally and says what changed (src/monitoring/change.ts).
  const previousByLine = new Map(msg.urls.map((u) => [u.line, u.previous]));
  const inputs = msg.monitor === true ? msg.urls.map(withConditionalHeaders) : msg.urls;
  const summary = await deps.engine.run(inputs, {
    ...deps.runLimits?.(msg),
    config: deps.configFor(msg.options),
    deadline,
    onResult: async (fetched, body) => {
      const code = fetched.error?.code;
      const position = positionByLine.get(fetched.line);
      if (position !== undefined && !lastGeneration) {
        if (code === FETCH_ERROR_CODES.NOT_ATTEMPTED) {
          leftovers.push(position);
          return;
        }
        if (code === FETCH_ERROR_CODES.DEADLINE && (msg.urls[position]?.cuts ?? 0) + 1 < MAX_CUTS) {
          leftovers.push(position);
          cut.push(position);
          return;
        }
      }
      const result = msg.monitor === true ? withChange(fetched, previousByLine.get(fetched.line)) : fetched;
      results.push(result);
      if (storeBodies && body !== undefined && result.sha256 !== null && bodyError === undefined) {
        // Awaited so a slow store holds back the engine instead of buffering bodies.
        await deps.results.putBody(result.sha256, body).catch((error: unknown) => {
          bodyError = error;
        });
      }
    },
  });
  if (bodyError !== undefined) throw bodyError;
  results.sort((a, b) => a.line - b.line);
  const resumeAt = leftovers.length > 0 ? summary.resumeAt : undefined;
  const ascending = (a: number, b: number): number => a - b;
  return { results, leftovers: leftovers.sort(ascending), cut: cut.sort(ascending), ...(resumeAt === undefined ? {} : { resumeAt }) };
}

/**
 * Why the last receive of a message that failed on every earlier one (a poison chunk)
 * does not fetch: fetching again could kill this invocation too and the chunk would
 * vanish into the DLQ, so every URL gets a record saying why, and the job can end.
 */
const GAVE_UP = 'not fetched: the chunk failed on every delivery SQS allows (maxReceiveCount); see the consumer logs';

/** Every URL of the chunk recorded, unfetched, with this code. */
function recordedAs(msg: ChunkMessage, code: FetchErrorCode, message: string): ChunkOutcome {
  return { results: msg.urls.map((input) => failureRecord(input, code, message)), leftovers: [], cut: [] };
}

function failureRecord(input: UrlInput, code: FetchErrorCode, message: string): FetchResult {
  return {
    url: input.url,
    line: input.line,
    ok: false,
    status: null,
    finalUrl: null,
    headers: {},
    bytes: 0,
    sha256: null,
    attempts: 0,
    timings: { dns: null, connect: null, ttfb: null, total: 0, queued: 0 },
    error: { code, message },
  };
}

/** The URL as the engine gets it: with conditional headers from its previous body, if any. */
function withConditionalHeaders(input: ChunkUrl): UrlInput {
  const headers = conditionalHeaders(input.previous);
  return headers === undefined ? { url: input.url, line: input.line } : { url: input.url, line: input.line, headers };
}

/**
 * The child chunk: the claim's leftover positions of the parent's URLs, one generation
 * on; those the deadline cut carry one more cut.
 */
function childMessage(msg: ChunkMessage, positions: readonly number[], cut: readonly number[]): ChunkMessage {
  const ref: ChunkRef = childOf(msg);
  const cutSet = new Set(cut);
  const urls = positions
    .map((p) => {
      const url = msg.urls[p];
      return url !== undefined && cutSet.has(p) ? { ...url, cuts: (url.cuts ?? 0) + 1 } : url;
    })
    .filter((u): u is ChunkUrl => u !== undefined);
  return { ...msg, ...ref, urls };
}
