/**
 * What one consumer invocation tells CloudWatch. The chunks of a batch run at once, so
 * each adds to this per-invocation tally and nothing touches the shared Metrics
 * instance until {@link ConsumerMetrics.publish}, which writes it all synchronously:
 * no other invocation's metrics can interleave.
 *
 * URL metrics count the records of claims this invocation won, so each stored record
 * is counted once however often SQS delivers its chunk (see src/jobs/chunks/consume-chunk.ts).
 * Dimensions: `service` and `function_name` on every metric, plus `errorCode` (a
 * fixed set) on `UrlsFailed`; never a host, URL or job id (those go in the logs).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ConsumeOutcome } from '../jobs/chunks/consume-chunk';
import type { Metrics } from './metrics';

/** Metric names, as they appear in CloudWatch under the `fanout` namespace. */
export const CONSUMER_METRICS = {
  /** URLs given a final record (ok or failed), Count. */
  urlsFetched: 'UrlsFetched',
  /** URLs with an ok record, Count. */
  urlsSucceeded: 'UrlsSucceeded',
  /** URLs with a failed record, Count; also once per error code with an `errorCode` dimension. */
  urlsFailed: 'UrlsFailed',
  /** Decoded body bytes of the records, Bytes. */
  responseBytes: 'ResponseBytes',
  /** URLs left for a child chunk (deadline reached, not attempted), Count. */
  urlsRequeued: 'UrlsRequeued',
  /** Wall time of each chunk delivery consumed, Milliseconds (one value per chunk). */
  chunkDuration: 'ChunkDuration',
  /** Chunk deliveries whose claim won, Count. */
  chunksClaimed: 'ChunksClaimed',
  /** Chunk deliveries that found an earlier claim and finished it, Count. */
  chunksFinishingEarlierClaim: 'ChunksFinishingEarlierClaim',
  /** Chunk deliveries on their message's last receive (ApproximateReceiveCount ≥ maxReceiveCount), Count. */
  chunksLastReceive: 'ChunksLastReceive',
  /** Chunk deliveries that failed (reported for redelivery), Count. */
  chunksFailed: 'ChunksFailed',
} as const;

/** The tally of one consumer invocation. */
export class ConsumerMetrics {
  #chunks = 0;
  #claimed = 0;
  #finishing = 0;
  #lastReceive = 0;
  #failedChunks = 0;
  #succeeded = 0;
  #failed = 0;
  #bytes = 0;
  #requeued = 0;
  readonly #durations: number[] = [];
  readonly #errors = new Map<string, number>();

  /** Runs one chunk delivery and counts what became of it (its failure included, then rethrown). */
  async chunk(lastReceive: boolean, consume: () => Promise<ConsumeOutcome>): Promise<ConsumeOutcome> {
    this.#chunks += 1;
    if (lastReceive) this.#lastReceive += 1;
    const started = performance.now();
    let outcome: ConsumeOutcome;
    try {
      outcome = await consume();
    } catch (error) {
      this.#failedChunks += 1;
      throw error;
    }
    this.#durations.push(Math.round(performance.now() - started));
    if (!outcome.claimed) {
      this.#finishing += 1;
      return outcome;
    }
    this.#claimed += 1;
    this.#succeeded += outcome.succeeded;
    this.#failed += outcome.failed;
    this.#bytes += outcome.bytes;
    this.#requeued += outcome.requeued;
    for (const [code, n] of Object.entries(outcome.errors)) this.#errors.set(code, (this.#errors.get(code) ?? 0) + n);
    return outcome;
  }

  /**
   * Prints the invocation's metrics: one EMF line with every counter, then one per
   * error code (EMF dimensions apply to a whole line, hence Powertools' single
   * metrics). An invocation without chunks (a warm-up) prints nothing.
   */
  publish(metrics: Metrics, functionName: string): void {
    if (this.#chunks === 0) return;
    const M = CONSUMER_METRICS;
    metrics.addDimension('function_name', functionName);
    metrics.addMetric(M.urlsFetched, MetricUnit.Count, this.#succeeded + this.#failed);
    metrics.addMetric(M.urlsSucceeded, MetricUnit.Count, this.#succeeded);
    metrics.addMetric(M.urlsFailed, MetricUnit.Count, this.#failed);
    metrics.addMetric(M.responseBytes, MetricUnit.Bytes, this.#bytes);
    metrics.addMetric(M.urlsRequeued, MetricUnit.Count, this.#requeued);
    metrics.addMetric(M.chunksClaimed, MetricUnit.Count, this.#claimed);
    metrics.addMetric(M.chunksFinishingEarlierClaim, MetricUnit.Count, this.#finishing);
    metrics.addMetric(M.chunksLastReceive, MetricUnit.Count, this.#lastReceive);
    metrics.addMetric(M.chunksFailed, MetricUnit.Count, this.#failedChunks);
    for (const ms of this.#durations) metrics.addMetric(M.chunkDuration, MetricUnit.Milliseconds, ms);
    metrics.publishStoredMetrics();
    for (const [code, n] of this.#errors) {
      metrics
        .singleMetric()
        .addDimension('function_name', functionName)
        .addDimension('errorCode', code)
        .addMetric(M.urlsFailed, MetricUnit.Count, n);
    }
  }
}
