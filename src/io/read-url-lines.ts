import type { Readable } from 'node:stream';
import type { UrlInput } from '../fetch/types';

/**
 * Streams URLs out of text, one per line: blank lines and `#` comments are
 * skipped, `\r\n` endings and surrounding spaces are trimmed, and `line` is the
 * 1-based line number in the input. A line longer than `keepChars` is cut to
 * `keepChars + 1` characters (enough for the engine to see it is too long and
 * report BAD_URL) so one huge line cannot exhaust memory.
 */
export async function* readUrlLines(stream: Readable, keepChars = 8192): AsyncGenerator<UrlInput> {
  stream.setEncoding('utf8');
  let rest = '';
  let overlong = false;
  let line = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    let start = 0;
    let newline = chunk.indexOf('\n');
    while (newline !== -1) {
      line++;
      const text = overlong ? rest : rest + chunk.slice(start, Math.min(newline, start + keepChars + 1));
      rest = '';
      overlong = false;
      const url = clean(text, keepChars);
      if (url !== null) yield { url, line };
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (!overlong) {
      rest += chunk.slice(start);
      if (rest.length > keepChars) {
        rest = rest.slice(0, keepChars + 1);
        overlong = true;
      }
    }
  }
  if (rest !== '') {
    const url = clean(rest, keepChars);
    if (url !== null) yield { url, line: line + 1 };
  }
}

function clean(text: string, keepChars: number): string | null {
  const url = text.trim();
  if (url === '' || url.startsWith('#')) return null;
  return url.length > keepChars + 1 ? url.slice(0, keepChars + 1) : url;
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
