/**
 * How numbers are rounded and shown, in one place for everything fanout writes: the
 * result records' timings, the job status's cost estimate, and the report page. Money
 * in dollars with two significant digits below $1 and cents from $1 up, counts as
 * integers, milliseconds to one decimal. Fixed to en-US so a report reads the same
 * wherever it is made.
 */

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const UP_TO_THREE_DECIMALS = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });
const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const TWO_SIGNIFICANT = new Intl.NumberFormat('en-US', { minimumSignificantDigits: 2, maximumSignificantDigits: 2 });

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** A measured amount that is not a count (GB-seconds): `1.184`, `12`, `1,234.5`. */
export function formatAmount(n: number): string {
  return UP_TO_THREE_DECIMALS.format(n);
}

/** A share of a whole as a percentage with one decimal; `–` for an empty whole. */
export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${ONE_DECIMAL.format((100 * part) / whole)}%`;
}

/** Milliseconds as `850.3 ms`, `12.5 ms` or `3.2 s`; `–` when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms >= 1_000) return `${ONE_DECIMAL.format(ms / 1_000)} s`;
  return `${ONE_DECIMAL.format(ms)} ms`;
}

/** Milliseconds rounded to one decimal, for a document: `12.345678` → `12.3`. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Bytes as `512 B`, `1.5 KiB`, `3.2 MiB` … */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${INTEGER.format(value)} B` : `${ONE_DECIMAL.format(value)} ${units[unit]}`;
}

/** A bucket bound in ms as a short axis label: `250`, `1s`, `2.5s`. */
export function formatBound(ms: number): string {
  return ms >= 1_000 ? `${ms / 1_000}s` : String(ms);
}

/**
 * A money amount rounded as {@link formatMoney} shows it: two significant digits below
 * 1, cents from 1 up. A document carries `2e-7`, not `2.0000000000000002e-7`.
 */
export function roundMoney(amount: number): number {
  if (amount === 0 || !Number.isFinite(amount)) return amount;
  return Math.abs(amount) < 1 ? Number(amount.toPrecision(2)) : Math.round(amount * 100) / 100;
}

/**
 * A money amount: `$0.000020`, `$0.27`, `$13.33`, `$1,234.50` for USD, else the code
 * after the number. Two significant digits below 1 (a small job's cost is still
 * seen), cents from 1 up.
 */
export function formatMoney(amount: number, currency: string): string {
  const rounded = roundMoney(amount);
  const text = rounded !== 0 && Math.abs(rounded) < 1 ? TWO_SIGNIFICANT.format(rounded) : CENTS.format(rounded);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}

/**
 * A USD unit price as listed: `$13.3334`, `$0.125`, `$5.00` (at least cents, at most
 * six significant digits, so `0.2 / 1e6 * 1e6` shows as `$0.20`). Prices are exact
 * list figures, so they are not rounded like amounts.
 */
export function formatPrice(price: number): string {
  const [whole = '0', fraction = ''] = String(Number(price.toPrecision(6))).split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}
