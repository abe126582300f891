import type { JobStatus } from '../../../src/jobs/ports';
import { renderReport, type ReportInput } from '../../../src/report/render-report';
import { ReportAggregator } from '../../../src/report/report-summary';
import { record } from './records';

const GENERATED = new Date(Date.UTC(2026, 10, 30, 12));
const EVIL_URL = 'http://evil.test/<script>alert(1)</script>';

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  const a = new ReportAggregator();
  a.add(record(1, 'http://a.test/1', { total: 40, bytes: 2048 }));
  a.add(record(2, EVIL_URL, { code: 'HTTP_STATUS', status: 500, message: 'HTTP 500 <img src=x onerror=alert(2)>' }));
  a.add(record(3, 'http://b.test/"onmouseover="x', { code: 'CONNECT' }));
  return { summary: a.summary(), source: { kind: 'file', name: 'out<1>.jsonl' }, generatedAt: GENERATED, ...overrides };
}

/** The text of the element carrying `data-metric="name"`. */
function metric(page: string, name: string): string | undefined {
  return new RegExp(`data-metric="${name}">([^<]*)<`).exec(page)?.[1];
}

describe('renderReport', () => {
  it('shows a URL holding <script> as text: no markup from a record reaches the page', () => {
    const page = renderReport(input());
    expect(page).toContain('http://evil.test/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('HTTP 500 &lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('http://b.test/&quot;onmouseover=&quot;x');
    expect(page).toContain('out&lt;1&gt;.jsonl');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain('"onmouseover="');
  });

  it('needs nothing from outside: no script, link, external URL or CSS import', () => {
    const page = renderReport(input());
    expect(page).not.toMatch(/<(script|link|iframe|object|embed)\b/i);
    expect(page).not.toMatch(/<[^>]*\s(src|href|srcset|action)\s*=/i);
    expect(page).not.toMatch(/url\(|@import/i);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('keeps the stylesheet intact (escaping it would break its quoted font names)', () => {
    expect(renderReport(input())).toContain('"Segoe UI"');
  });

  it('shows the counts of the summary', () => {
    const page = renderReport(input());
    expect(metric(page, 'records')).toBe('3');
    expect(metric(page, 'ok')).toBe('1');
    expect(metric(page, 'failed')).toBe('2');
    expect(metric(page, 'outcome-http')).toBe('1');
    expect(metric(page, 'outcome-network')).toBe('1');
    expect(metric(page, 'code-HTTP_STATUS')).toBe('1');
    expect(metric(page, 'code-CONNECT')).toBe('1');
    expect(metric(page, 'bytes')).toBe('2.0 KiB');
    expect(metric(page, 'state')).toBe('file');
  });

  it("shows a job's progress and state, and says when fewer records were read than it has", () => {
    const status: JobStatus = {
      jobId: 'job-7',
      state: 'running',
      total: 12_000,
      succeeded: 9_000,
      failed: 500,
      chunks: { total: 120, done: 95 },
      createdAt: '2026-11-30T11:00:00.000Z',
      updatedAt: '2026-11-30T11:05:00.000Z',
    };
    const page = renderReport(input({ source: { kind: 'job', status, truncated: 'the report reads at most 3 records' } }));
    expect(metric(page, 'state')).toBe('running');
    expect(metric(page, 'progress-done')).toBe('9,500');
    expect(metric(page, 'progress-total')).toBe('12,000');
    expect(metric(page, 'chunks-done')).toBe('95');
    expect(page).toContain('the report reads at most 3 records');
  });

  it('shows a cost estimate when one is given, and says so when none is', () => {
    expect(metric(renderReport(input()), 'cost-total')).toBe('Not estimated for this report.');
    const page = renderReport(
      input({ cost: { currency: 'USD', total: 0.27, items: [{ label: 'Lambda <duration>', amount: 0.2 }], basis: 'us-east-1, 2026-11' } }),
    );
    expect(metric(page, 'cost-total')).toBe('$0.27');
    expect(page).toContain('Lambda &lt;duration&gt;');
  });

  it("counts a cancelled job's unfetched URLs apart from its failures", () => {
    const a = new ReportAggregator();
    a.add(record(1, 'http://a.test/1'));
    a.add(record(2, 'http://a.test/2', { code: 'CONNECT' }));
    for (let i = 3; i < 10; i += 1) a.add(record(i, `http://a.test/${i}`, { code: 'CANCELLED', attempts: 0 }));
    const page = renderReport(input({ summary: a.summary() }));
    expect(metric(page, 'failed')).toBe('1');
    expect(metric(page, 'not-fetched')).toBe('7');
    expect(metric(page, 'outcome-notFetched')).toBe('7');
    expect(metric(renderReport(input()), 'not-fetched')).toBeUndefined();
  });

  it('is a pure function of its input', () => {
    expect(renderReport(input())).toBe(renderReport(input()));
  });
});
