/**
 * What a job cost: the usage its own deliveries recorded, priced with a region's list
 * prices. An estimate from counts, not a bill: the counts are approximate (one
 * unconditional add per claimed chunk; a delivery that dies before adding is missing),
 * and storage, logs and the API's own requests are left out.
 */

/** Usage a job accumulates; every field a count or an amount that adds up. */
export interface JobUsage {
  /** Lambda GB-seconds of consumer invocations (a batch's duration shared by its chunks). */
  readonly lambdaGbSeconds: number;
  /** Consumer invocations (a batch's one invocation shared by its chunks). */
  readonly invocations: number;
  /** SQS requests, each 64 KiB of a message counted as one (receives and deletes shared by a batch). */
  readonly sqsRequests: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  /** DynamoDB capacity units the job's ledger calls consumed, as DynamoDB reported them. */
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  readonly events: number;
}

/** Usage of nothing. */
export const NO_USAGE: JobUsage = Object.freeze({
  lambdaGbSeconds: 0,
  invocations: 0,
  sqsRequests: 0,
  s3Puts: 0,
  s3Gets: 0,
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  events: 0,
});

/** The usage fields, for stores that add them up. */
export const USAGE_FIELDS = Object.keys(NO_USAGE) as readonly (keyof JobUsage)[];

/** When and where {@link PRICES} were read. */
export const PRICES_BASIS =
  'us-east-1 list prices (USD) as of 2026-11: Lambda arm64, SQS standard, S3 Standard, DynamoDB on-demand, EventBridge custom events';

/** USD per unit of each usage field. */
export const PRICES: { readonly [K in keyof JobUsage]: number } = Object.freeze({
  lambdaGbSeconds: 0.0000133334,
  invocations: 0.2 / 1_000_000,
  sqsRequests: 0.4 / 1_000_000,
  s3Puts: 0.005 / 1000,
  s3Gets: 0.0004 / 1000,
  dynamoReadUnits: 0.125 / 1_000_000,
  dynamoWriteUnits: 0.625 / 1_000_000,
  events: 1 / 1_000_000,
});

const LABELS: { readonly [K in keyof JobUsage]: string } = {
  lambdaGbSeconds: 'Lambda duration',
  invocations: 'Lambda requests',
  sqsRequests: 'SQS requests',
  s3Puts: 'S3 PUTs',
  s3Gets: 'S3 GETs',
  dynamoReadUnits: 'DynamoDB reads',
  dynamoWriteUnits: 'DynamoDB writes',
  events: 'EventBridge events',
};

/** A priced usage: the total and its parts. */
export interface CostEstimate {
  readonly currency: 'USD';
  readonly total: number;
  readonly items: readonly { readonly label: string; readonly amount: number; readonly detail: string }[];
  readonly basis: string;
}

/** Prices a job's usage. */
export function estimateCost(usage: JobUsage): CostEstimate {
  const items = USAGE_FIELDS.map((field) => ({
    label: LABELS[field],
    amount: usage[field] * PRICES[field],
    detail: `${round(usage[field])} at $${perMillion(PRICES[field])} per million`,
  }));
  return { currency: 'USD', total: items.reduce((sum, item) => sum + item.amount, 0), items, basis: PRICES_BASIS };
}

/** SQS bills each 64 KiB of a message as one request. */
export function sqsUnits(bodyBytes: number): number {
  return Math.max(1, Math.ceil(bodyBytes / (64 * 1024)));
}

const round = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(3));

/** A unit price per million units, without float noise (0.2, not 0.20000000000000002). */
const perMillion = (price: number): string => String(Number((price * 1_000_000).toPrecision(6)));
