/**
 * HTML built by a tagged template that escapes every interpolated value unless it is
 * already {@link SafeHtml}. Escaping is the default rather than something each call
 * site remembers: the report shows URLs, hosts, header values and error messages that
 * came from the network or from a results file, and one forgotten escape would let a
 * URL such as `http://x/<script>` run in the reader's browser.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Bidirectional embedding, override and isolate controls and the direction marks:
 * invisible, yet they reorder what follows, so `http://a.test/\u202Egpj.exe` reads as
 * `…exe.jpg`. The report shows them as their code points instead.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F]/g;

/**
 * Escapes text for an HTML text node or a quoted attribute value, and makes
 * bidirectional controls visible (`[U+202E]`).
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
    .replace(BIDI_CONTROLS, (c) => `[U+${(c.codePointAt(0) as number).toString(16).toUpperCase()}]`);
}

/** A fragment of markup that is already safe to insert as is. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

function fragment(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * Builds markup: the template's literal parts are trusted, every `${value}` is escaped
 * (arrays are joined, `null`, `undefined` and `false` render as nothing).
 *
 * @example
 * html`<td>${record.url}</td>` // a URL holding `<script>` shows as text
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += fragment(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}
