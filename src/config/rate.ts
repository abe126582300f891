import { ConfigError } from '../errors';

/** Seconds per unit of a rate as the user writes it (`N/s`, `N/m`, `N/h`). */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** Slowest rate accepted: one request a day. */
export const MIN_RATE_PER_S = 1 / 86_400;
/** Fastest rate accepted, per host or per run. */
export const MAX_RATE_PER_S = 100_000;

const RATE = /^(\d+(?:\.\d+)?|\.\d+)\s*\/\s*([smh])$/i;

/**
 * Parses a request rate: `N/s`, `N/m` or `N/h` (fractions allowed, `0.5/s`), or a
 * plain number of requests per second. Returns requests per second; throws a
 * {@link ConfigError} naming `label` and the value when it is anything else or out of
 * [{@link MIN_RATE_PER_S}, {@link MAX_RATE_PER_S}].
 *
 * @example
 * parseRate('30/m', '--host-rate') // 0.5
 */
export function parseRate(value: unknown, label: string): number {
  let perSecond: number;
  if (typeof value === 'number') {
    perSecond = value;
  } else {
    const match = typeof value === 'string' ? RATE.exec(value.trim()) : null;
    if (match === null) {
      throw new ConfigError(`Expected \`${label}\` to be a rate such as 50/s, 30/m or 0.5/s, got \`${String(value)}\``);
    }
    perSecond = Number(match[1]) / UNIT_SECONDS[(match[2] as string).toLowerCase() as keyof typeof UNIT_SECONDS];
  }
  if (!Number.isFinite(perSecond) || perSecond < MIN_RATE_PER_S || perSecond > MAX_RATE_PER_S) {
    throw new ConfigError(`Expected \`${label}\` to be a rate from 1 a day to ${MAX_RATE_PER_S}/s, got \`${String(value)}\``);
  }
  return perSecond;
}

/** A rate as people read it: `50/s`, `30/m`, `2/h`. */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${round(perSecond)}/s`;
  if (perSecond * 60 >= 1) return `${round(perSecond * 60)}/m`;
  return `${round(perSecond * 3600)}/h`;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
