import { BadUrlError } from '../../errors';

/**
 * Control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F). The
 * WHATWG URL parser silently drops tabs and newlines and percent-encodes the
 * rest, so `http://a/x<TAB>y` would be fetched as `http://a/xy`: a URL that is not
 * the one given. Such a line is refused instead.
 */
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Parses one input URL as the engine accepts it: at most `maxLength` characters,
 * no control characters, absolute. The scheme and address are the guard's to check.
 *
 * @throws BadUrlError saying which rule the text broke
 */
export function parseInputUrl(text: string, maxLength: number): URL {
  if (text.length > maxLength) throw new BadUrlError(`URL is longer than ${maxLength} characters`);
  const control = CONTROL_CHARACTER.exec(text);
  if (control !== null) {
    const code = (control[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new BadUrlError(`URL contains a control character (U+${code}) at position ${control.index + 1}`);
  }
  try {
    return new URL(text);
  } catch {
    throw new BadUrlError('not a valid absolute URL');
  }
}
