/**
 * The one place fanout's Powertools Metrics are made: CloudWatch embedded metric format
 * (EMF) lines on stdout, which Lambda's log pipeline turns into metrics; no CloudWatch
 * API is ever called. Namespace `fanout`; every metric has the dimension
 * `service: fanout`. Build one at module scope (it remembers the cold start).
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME, type Logger } from './logger';

export { Metrics };

/** The CloudWatch namespace of every fanout metric. */
export const METRICS_NAMESPACE = 'fanout';

/**
 * Makes the metrics of a function. `logger` receives Powertools' own warnings (an
 * invalid dimension, for instance) as structured lines, like every other line.
 *
 * @example
 * const metrics = createMetrics(logger); // handlers/consumer.ts, module scope
 */
export function createMetrics(logger?: Logger): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME, ...(logger === undefined ? {} : { logger }) });
}
