import type { Readable } from 'node:stream';
import type { UrlInput } from '../fetch/types';

/**
 * Streams URLs out of text, one per line: blank lines and `#` comments are
 * skipped, surrounding spaces are trimmed, and `line` is the 1-based line number
 * in the input. A line ends at `\n`, `\r\n` or a lone `\r` (old Mac files), so a
 * CR-only file is not read as one long URL. A line longer than `keepChars` is cut
 * to `keepChars + 1` characters (enough for the engine to see it is too long and
 * report BAD_URL) so one huge line cannot exhaust memory. A line starting with `{`
 * (a JSON request, src/io/request-lines.ts) is cut at `requestChars + 1` instead.
 */
export async function* readUrlLines(stream: Readable, keepChars = 8192, requestChars = keepChars): AsyncGenerator<UrlInput> {
  stream.setEncoding('utf8');
  // Lines are gathered up to the longer cut; `clean` applies each kind's own.
  const gatherChars = Math.max(keepChars, requestChars);
  let rest = '';
  let overlong = false;
  let line = 0;
  /** The last chunk ended in `\r`: a `\n` starting the next one belongs to it. */
  let crEnded = false;
  for await (const chunk of stream as AsyncIterable<string>) {
    // The decoder yields '' for a chunk that ends inside a UTF-8 sequence: not a line.
    if (chunk === '') continue;
    let start = crEnded && chunk.startsWith('\n') ? 1 : 0;
    crEnded = false;
    // Both searched with indexOf (memchr): a file without CRs costs one extra scan per chunk.
    let lf = chunk.indexOf('\n', start);
    let cr = chunk.indexOf('\r', start);
    for (;;) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (end === -1) break;
      line++;
      const text = overlong ? rest : rest + chunk.slice(start, Math.min(end, start + gatherChars + 1));
      rest = '';
      overlong = false;
      const url = clean(text, keepChars, requestChars);
      if (url !== null) yield { url, line };
      start = end === cr && lf === end + 1 ? end + 2 : end + 1;
      if (end === cr && start === chunk.length) crEnded = true;
      if (lf !== -1 && lf < start) lf = chunk.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = chunk.indexOf('\r', start);
    }
    if (!overlong) {
      rest += chunk.slice(start);
      if (rest.length > gatherChars) {
        rest = rest.slice(0, gatherChars + 1);
        overlong = true;
      }
    }
  }
  if (rest !== '') {
    const url = clean(rest, keepChars, requestChars);
    if (url !== null) yield { url, line: line + 1 };
  }
}

function clean(text: string, keepChars: number, requestChars: number): string | null {
  const url = text.trim();
  if (url === '' || url.startsWith('#')) return null;
  const cut = url.startsWith('{') ? requestChars : keepChars;
  return url.length > cut + 1 ? url.slice(0, cut + 1) : url;
}

/**
 * Turns an in-memory list into engine input, numbering from 1. Entries that are
 * not strings become an empty URL, which the engine reports as BAD_URL.
 */
export function* listUrls(urls: readonly unknown[]): Generator<UrlInput> {
  for (let i = 0; i < urls.length; i++) {
    const url = urls[i];
    yield { url: typeof url === 'string' ? url.trim() : '', line: i + 1 };
  }
}
