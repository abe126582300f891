import { groupByHost } from '../../../../src/jobs/chunks/chunking';
import { SLOW_HOSTS_LISTED, SLOW_JOB_HORIZON_S, slowHostsWarning } from '../../../../src/jobs/chunks/slow-hosts';

/** `counts[i]` URLs of host h{i}.test, plus two that have no host. */
const groups = (counts: readonly number[]) =>
  groupByHost(
    [...counts.flatMap((n, h) => Array.from({ length: n }, (_, i) => `http://h${h}.test/${i}`)), 'not a url', 'mailto:x@h0.test'].map(
      (url, i) => ({ url, line: i + 1 }),
    ),
  );

describe('slowHostsWarning', () => {
  it('says nothing without rates, or when the job fits in the horizon', () => {
    expect(slowHostsWarning(groups([5000]), { hostRate: null, rate: null })).toBeUndefined();
    expect(slowHostsWarning(groups([3600]), { hostRate: 1, rate: null })).toBeUndefined();
    expect(slowHostsWarning(groups([1800, 1800]), { hostRate: null, rate: 1 })).toBeUndefined();
  });

  it('warns when one host needs more than the horizon at hostRate, listing the slowest hosts first', () => {
    const warning = slowHostsWarning(groups([10, 3601, 20, 30, 40, 50, 60]), { hostRate: 1, rate: null });
    expect(warning).toMatchObject({ code: 'SLOW_HOSTS', seconds: 3601 });
    expect(warning?.hosts).toEqual([
      { host: 'h1.test', urls: 3601, seconds: 3601 },
      { host: 'h6.test', urls: 60, seconds: 60 },
      { host: 'h5.test', urls: 50, seconds: 50 },
      { host: 'h4.test', urls: 40, seconds: 40 },
      { host: 'h3.test', urls: 30, seconds: 30 },
    ]);
    expect(warning?.hosts).toHaveLength(SLOW_HOSTS_LISTED);
    expect(warning?.message).toBe(
      'This job needs at least 1 h by its rates (h1.test alone has 3601 URLs at 1/s), more than 1 h; the slowest hosts are listed',
    );
  });

  it("warns when the job's rate makes it slow though no host is, and counts no time for URLs without a host", () => {
    const warning = slowHostsWarning(groups([1000, 1000, 1000, 1000]), { hostRate: 10, rate: 1 });
    expect(warning?.seconds).toBe(4000);
    expect(warning?.message).toContain('4000 URLs at rate 1/s');
    // A host cannot go faster than the job: 1000 URLs at min(10/s, 1/s).
    expect(warning?.hosts[0]).toEqual({ host: 'h0.test', urls: 1000, seconds: 1000 });
  });

  it('takes another horizon when given one', () => {
    expect(SLOW_JOB_HORIZON_S).toBe(3600);
    expect(slowHostsWarning(groups([61]), { hostRate: 1, rate: null }, 60)?.seconds).toBe(61);
  });
});
