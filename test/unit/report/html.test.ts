import { escapeHtml, html, SafeHtml } from '../../../src/report/html';

describe('html', () => {
  it('escapes the five characters that can end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes interpolated strings and numbers but keeps SafeHtml and the literal parts', () => {
    const cell = html`<td>${'<script>alert(1)</script>'}</td>`;
    expect(cell).toBeInstanceOf(SafeHtml);
    expect(html`<tr>${cell}${[html`<td>${1}</td>`, '<b>']}</tr>`.value).toBe(
      '<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>1</td>&lt;b&gt;</tr>',
    );
  });

  it('renders null, undefined and false as nothing', () => {
    expect(html`[${null}${undefined}${false}]`.value).toBe('[]');
  });

  it('shows bidirectional override and isolate characters as visible code points, so a URL cannot disguise itself', () => {
    const controls = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];
    const escaped = escapeHtml(`http://a.test/${controls.join('')}gpj.exe`);
    expect(escaped).toBe('http://a.test/[U+202A][U+202B][U+202C][U+202D][U+202E][U+2066][U+2067][U+2068][U+2069][U+200E][U+200F]gpj.exe');
    expect(html`<td>${'x\u202ey'}</td>`.value).toBe('<td>x[U+202E]y</td>');
  });
});
