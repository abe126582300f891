/** Line and paragraph separators, which JSON allows raw but line readers (Node's readline) split at. */
const SEPARATORS = /[\u2028\u2029]/g;
/** The same, to test with: a global pattern's `test` would carry `lastIndex` from one call to the next. */
const HAS_SEPARATOR = /[\u2028\u2029]/;

/**
 * `value` as one line of a JSON-lines file, newline included. `JSON.stringify`
 * escapes every control character but leaves U+2028 and U+2029 raw (JSON allows
 * them); Node's `readline`, and so `fanout report`, `--resume` and `--since`,
 * ends a line there. Escaped, a record reads back as one line whatever its URL holds.
 *
 * @example
 * jsonLine({ url: 'http://a.test/\u2028' }) // '{"url":"http://a.test/\\u2028"}\n'
 */
export function jsonLine(value: unknown): string {
  return `${escapeLineSeparators(JSON.stringify(value))}\n`;
}

/**
 * JSON text with U+2028 and U+2029 written as `\u2028` and `\u2029` escapes: the
 * same JSON value, on one line for every reader. For JSON made elsewhere (a logger's).
 */
export function escapeLineSeparators(json: string): string {
  return HAS_SEPARATOR.test(json) ? json.replace(SEPARATORS, (char) => (char === '\u2028' ? '\\u2028' : '\\u2029')) : json;
}
