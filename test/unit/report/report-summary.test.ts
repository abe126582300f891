import { FETCH_ERROR_CODES } from '../../../src/errors';
import { HostTable } from '../../../src/report/host-table';
import { noOutcomes, OUTCOMES } from '../../../src/report/outcome-categories';
import { MAX_ERROR_CODES, MAX_LISTED_FAILURES, OTHER_CODE, ReportAggregator } from '../../../src/report/report-summary';
import { renderReport } from '../../../src/report/render-report';
import { EXPECTED_CATEGORY } from './expected-categories';
import { record } from './records';

describe('ReportAggregator', () => {
  it('counts outcomes, status classes, error codes, retries and bytes', () => {
    const a = new ReportAggregator();
    a.add(record(1, 'http://a.test/1', { bytes: 100, attempts: 3 }));
    a.add(record(2, 'http://a.test/2', { code: 'HTTP_STATUS', status: 503 }));
    a.add(record(3, 'http://b.test/3', { code: 'HTTP_STATUS', status: 404 }));
    a.add(record(4, 'http://b.test/4', { code: 'TIMEOUT_HEADERS' }));
    a.add(record(5, 'not a url', { code: 'BAD_URL', attempts: 0 }));
    a.add(record(6, 'http://c.test/6', { code: 'NOT_ATTEMPTED', attempts: 0 }));
    const s = a.summary();
    expect(s.records).toBe(6);
    expect(s.outcomes).toEqual({ ...noOutcomes(), ok: 1, http: 2, timeout: 1, badInput: 1, notFetched: 1 });
    expect(s.statusClasses).toEqual({ '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 1, other: 0, none: 3 });
    expect(s.errorCodes).toEqual([
      { code: 'HTTP_STATUS', count: 2 },
      { code: 'BAD_URL', count: 1 },
      { code: 'NOT_ATTEMPTED', count: 1 },
      { code: 'TIMEOUT_HEADERS', count: 1 },
    ]);
    expect(s.retried).toBe(1);
    expect(s.bytes).toBe(100);
    expect(s.firstFailures.map((f) => [f.line, f.code, f.status])).toEqual([
      [2, 'HTTP_STATUS', 503],
      [3, 'HTTP_STATUS', 404],
      [4, 'TIMEOUT_HEADERS', null],
      [5, 'BAD_URL', null],
      [6, 'NOT_ATTEMPTED', null],
    ]);
  });

  it('times only attempted requests, and ttfb only where headers came', () => {
    const a = new ReportAggregator();
    a.add(record(1, 'http://a.test/', { ttfb: 40, total: 50 }));
    a.add(record(2, 'http://a.test/', { code: 'TIMEOUT_HEADERS', ttfb: null, total: 1_000 }));
    a.add(record(3, 'nope', { code: 'BAD_URL', attempts: 0, total: 0 }));
    const s = a.summary();
    expect(s.latency.ttfb.count).toBe(1);
    expect(s.latency.total.count).toBe(2);
    expect(s.latency.total.max).toBe(1_000);
  });

  it('ranks the slowest hosts by mean total time and the most failing by failures', () => {
    const a = new ReportAggregator();
    for (let i = 0; i < 4; i += 1) a.add(record(i, 'http://fast.test/', { total: 10 }));
    a.add(record(5, 'http://slow.test:8080/x', { total: 900 }));
    a.add(record(6, 'http://slow.test:8080/y', { total: 1_100, code: 'TIMEOUT_BODY' }));
    for (let i = 0; i < 3; i += 1) a.add(record(10 + i, 'http://down.test/', { code: 'CONNECT', total: 20 }));
    const s = a.summary();
    expect(s.slowestHosts.map((h) => [h.host, h.meanTotalMs])).toEqual([
      ['slow.test:8080', 1_000],
      ['down.test', 20],
      ['fast.test', 10],
    ]);
    expect(s.failingHosts.map((h) => [h.host, h.failed, h.requests])).toEqual([
      ['down.test', 3, 3],
      ['slow.test:8080', 1, 2],
    ]);
  });

  it('keeps memory bounded: codes past the cap count together, and only the first failures are listed', () => {
    const a = new ReportAggregator();
    for (let i = 0; i < MAX_ERROR_CODES + 5; i += 1) a.add(record(i + 1, 'http://a.test/', { code: `CODE_${i}` as never }));
    const s = a.summary();
    expect(s.errorCodes).toHaveLength(MAX_ERROR_CODES + 1);
    expect(s.errorCodes[0]).toEqual({ code: OTHER_CODE, count: 5 });
    expect(s.firstFailures).toHaveLength(MAX_LISTED_FAILURES);
    expect(s.firstFailures.at(-1)?.line).toBe(MAX_LISTED_FAILURES);
  });
});

describe('ReportAggregator outcome categories', () => {
  const sum = (outcomes: Readonly<Record<string, number>>): number => Object.values(outcomes).reduce((a, b) => a + b, 0);

  it('counts records whose codes are Object.prototype names (a results file is user input)', () => {
    const a = new ReportAggregator();
    const codes = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    codes.forEach((code, i) => a.add(record(i + 1, `http://a.test/${i}`, { code: code as never })));
    const s = a.summary();
    expect(sum(s.outcomes)).toBe(5);
    expect(s.outcomes.other).toBe(5);
    expect(Object.keys(s.outcomes).sort()).toEqual(Object.values(OUTCOMES).sort());
    expect(s.errorCodes.map((c) => [c.code, c.count]).sort()).toEqual(codes.map((c) => [c, 1]).sort());
    expect(s.firstFailures.map((f) => f.code)).toEqual(codes);
  });

  it("counts a cancelled job's CANCELLED records as not fetched, not as network failures", () => {
    const a = new ReportAggregator();
    for (let i = 0; i < 900; i += 1) a.add(record(i + 1, `http://a.test/${i}`, { code: 'CANCELLED', attempts: 0 }));
    a.add(record(901, 'http://a.test/ok'));
    const s = a.summary();
    expect(s.outcomes).toEqual({ ...noOutcomes(), ok: 1, notFetched: 900 });
  });

  it('puts every code of the error table in the category the error table means', () => {
    for (const code of Object.values(FETCH_ERROR_CODES)) {
      const a = new ReportAggregator();
      a.add(record(1, 'http://a.test/', { code }));
      const [category] = Object.entries(a.summary().outcomes).filter(([, n]) => n === 1);
      expect([code, category?.[0]]).toEqual([code, EXPECTED_CATEGORY[code]]);
    }
    const request = new ReportAggregator();
    request.add(record(1, '{"url":1}', { code: 'BAD_REQUEST' as never }));
    expect(request.summary().outcomes.badInput).toBe(1);
  });
});

describe('ReportAggregator first failures', () => {
  it('lists failures by input line and spread across codes, not in finishing order', () => {
    const a = new ReportAggregator();
    // Finishing order: instant refusals first (high lines), then slow failures at low lines.
    for (let i = 0; i < 900; i += 1) a.add(record(100 + i, `http://a.test/${i}`, { code: 'CANCELLED', attempts: 0 }));
    for (let i = 0; i < 3; i += 1) a.add(record(50 - i, 'http://slow.test/', { code: 'TIMEOUT_HEADERS' }));
    a.add(record(7, 'http://down.test/', { code: 'CONNECT' }));
    for (let i = 0; i < 30; i += 1) a.add(record(60 + i, 'http://b.test/', { code: 'HTTP_STATUS', status: 500 }));
    const rows = a.summary().firstFailures;
    expect(rows).toHaveLength(MAX_LISTED_FAILURES);
    const lines = rows.map((f) => f.line);
    expect(lines).toEqual([...lines].sort((x, y) => x - y));
    expect(new Set(rows.map((f) => f.code))).toEqual(new Set(['CANCELLED', 'TIMEOUT_HEADERS', 'CONNECT', 'HTTP_STATUS']));
    // Each code's own lowest lines are the ones shown.
    expect(rows.filter((f) => f.code === 'TIMEOUT_HEADERS').map((f) => f.line)).toEqual([48, 49, 50]);
    expect(rows.filter((f) => f.code === 'CANCELLED').map((f) => f.line)).toEqual(
      Array.from({ length: rows.filter((f) => f.code === 'CANCELLED').length }, (_, i) => 100 + i),
    );
    expect(rows.filter((f) => f.code === 'CANCELLED').length).toBeLessThanOrEqual(8);
  });
});

describe('ReportAggregator with monitoring records', () => {
  it('counts each change kind when records say what changed, and shows them on the page', () => {
    const aggregator = new ReportAggregator();
    for (const change of ['new', 'changed', 'changed', 'unchanged', 'gone', null] as const)
      aggregator.add({ ...record(1, 'https://a.test/x'), change });
    const summary = aggregator.summary();
    expect(summary.changes).toEqual({ new: 1, changed: 2, unchanged: 1, gone: 1 });
    const page = renderReport({ summary, source: { kind: 'file', name: 'run.jsonl' }, generatedAt: new Date(0) });
    expect(page).toContain('data-metric="change-changed">2<');
    const plain = new ReportAggregator();
    plain.add(record(1, 'https://a.test/y'));
    expect(plain.summary().changes).toBeUndefined();
  });
});

describe('HostTable', () => {
  it('is exact below its cap, and past it keeps the busiest hosts and says it is approximate', () => {
    const table = new HostTable(4);
    for (let i = 0; i < 10; i += 1) table.add('busy.test', true, 5, null);
    for (let i = 0; i < 3; i += 1) table.add(`rare-${i}.test`, false, 1, null);
    expect(table.approximate).toBe(false);
    table.add('late.test', true, 1, null);
    expect(table.approximate).toBe(true);
    expect(table.size).toBeLessThanOrEqual(4);
    expect(table.mostFailing(5).map((r) => [r.host, r.failed])).toEqual([
      ['busy.test', 10],
      ['late.test', 1],
    ]);
  });
});
