/**
 * What a job cost: the usage its own deliveries recorded, priced with a region's list
 * prices. An estimate from counts, not a bill: the counts are approximate (one
 * unconditional add per claimed chunk; a delivery that dies before adding is missing),
 * and storage, logs and the API's own requests are left out.
 */

import { formatAmount, formatCount, formatPrice, roundMoney } from '../../io/numbers';

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

/** How each usage field is named in an estimate: its line's label, and the unit it counts in. */
const KINDS: { readonly [K in keyof JobUsage]: { readonly label: string; readonly unit: string } } = {
  lambdaGbSeconds: { label: 'Lambda duration', unit: 'GB-seconds' },
  invocations: { label: 'Lambda requests', unit: 'requests' },
  sqsRequests: { label: 'SQS requests', unit: 'requests' },
  s3Puts: { label: 'S3 PUTs', unit: 'PUTs' },
  s3Gets: { label: 'S3 GETs', unit: 'GETs' },
  dynamoReadUnits: { label: 'DynamoDB reads', unit: 'read units' },
  dynamoWriteUnits: { label: 'DynamoDB writes', unit: 'write units' },
  events: { label: 'EventBridge events', unit: 'events' },
};

/** A priced usage: the total and its parts. */
export interface CostEstimate {
  readonly currency: 'USD';
  readonly total: number;
  readonly items: readonly { readonly label: string; readonly amount: number; readonly detail: string }[];
  readonly basis: string;
}

/**
 * Prices a job's usage. Amounts are rounded as the report shows money (two significant
 * digits below $1, cents from $1 up), so the status document carries no float noise.
 */
export function estimateCost(usage: JobUsage): CostEstimate {
  const amounts = USAGE_FIELDS.map((field) => usage[field] * PRICES[field]);
  const items = USAGE_FIELDS.map((field, i) => ({
    label: KINDS[field].label,
    amount: roundMoney(amounts[i] as number),
    detail: detailOf(field, usage[field]),
  }));
  const total = roundMoney(amounts.reduce((sum, amount) => sum + amount, 0));
  return { currency: 'USD', total, items, basis: PRICES_BASIS };
}

/** `1.184 GB-seconds at $13.3334 per million GB-seconds`, `3 requests at $0.40 per million requests`. */
function detailOf(field: keyof JobUsage, quantity: number): string {
  const { unit } = KINDS[field];
  // GB-seconds are an amount of work; every other field counts things, shown whole.
  const shown = field === 'lambdaGbSeconds' ? formatAmount(quantity) : formatCount(quantity);
  const singular = shown === '1' && unit.endsWith('s') ? unit.slice(0, -1) : unit;
  return `${shown} ${singular} at ${formatPrice(PRICES[field] * 1_000_000)} per million ${unit}`;
}

/** SQS bills each 64 KiB of a message as one request. */
export function sqsUnits(bodyBytes: number): number {
  return Math.max(1, Math.ceil(bodyBytes / (64 * 1024)));
}
