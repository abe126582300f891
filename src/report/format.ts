/** Number formats the report uses: fixed to en-US so a report reads the same wherever it is made. */

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const ONE_DECIMAL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return INTEGER.format(n);
}

/** A share of a whole as a percentage with one decimal; `–` for an empty whole. */
export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${ONE_DECIMAL.format((100 * part) / whole)}%`;
}

/** Milliseconds as `850 ms`, `12.5 ms` or `3.2 s`; `–` when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms >= 1_000) return `${ONE_DECIMAL.format(ms / 1_000)} s`;
  if (ms >= 100) return `${INTEGER.format(ms)} ms`;
  return `${ONE_DECIMAL.format(ms)} ms`;
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

/** A money amount: `$0.27` for USD, else the code after the number. */
export function formatMoney(amount: number, currency: string): string {
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  const text = amount.toFixed(digits);
  return currency === 'USD' ? `$${text}` : `${text} ${currency}`;
}
