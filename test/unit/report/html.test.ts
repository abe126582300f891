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
});
