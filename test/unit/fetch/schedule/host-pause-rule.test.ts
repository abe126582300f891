import { HOST_PAUSE_RULE, pausesHost, RecentAnswers } from '../../../../src/fetch/schedule/host-pause-rule';

/** Answers recorded in order; returns the window after the last. */
function answered(...statuses: number[]): RecentAnswers {
  const recent = new RecentAnswers();
  for (const status of statuses) recent.record(status);
  return recent;
}

const repeat = (status: number, n: number): number[] => Array.from({ length: n }, () => status);

describe('pausesHost', () => {
  it('pauses on a 429 and on any Retry-After, whatever came before', () => {
    expect(pausesHost(429, false, answered(429))).toBe(true);
    expect(pausesHost(200, true, answered(200))).toBe(true);
    expect(pausesHost(503, true, answered(503))).toBe(true);
  });

  it('does not pause on a bare 503 among mostly healthy answers (a broken page)', () => {
    const recent = answered(...repeat(200, 19), 503);
    expect(pausesHost(503, false, recent)).toBe(false);
  });

  it('does not judge from fewer answers than minAnswers, even all 503', () => {
    const recent = answered(...repeat(503, HOST_PAUSE_RULE.minAnswers - 1));
    expect(recent.overloaded()).toBe(false);
    expect(pausesHost(503, false, recent)).toBe(false);
  });

  it('pauses on a 503 once 503s are more than half of at least minAnswers answers', () => {
    expect(pausesHost(503, false, answered(...repeat(503, HOST_PAUSE_RULE.minAnswers)))).toBe(true);
    // 10 of 20 is half, not more: no pause; the 11th 503 in the window tips it.
    expect(pausesHost(503, false, answered(...repeat(200, 10), ...repeat(503, 10)))).toBe(false);
    expect(pausesHost(503, false, answered(...repeat(200, 10), ...repeat(503, 11)))).toBe(true);
  });

  it('never pauses on a status other than 429 or an overload status without Retry-After', () => {
    const recent = answered(...repeat(503, 20));
    for (const status of [200, 404, 500, 502]) expect(pausesHost(status, false, recent)).toBe(false);
  });
});

describe('RecentAnswers', () => {
  it('forgets answers older than the window: a host that recovered is no longer overloaded', () => {
    const recent = answered(...repeat(503, 20));
    expect(recent.overloaded()).toBe(true);
    for (let i = 0; i < HOST_PAUSE_RULE.window / 2; i++) recent.record(200);
    expect(recent.overloaded()).toBe(false);
    expect(recent.hasOverloads).toBe(true);
    for (let i = 0; i < HOST_PAUSE_RULE.window / 2; i++) recent.record(200);
    expect(recent.hasOverloads).toBe(false);
  });

  it('counts 429s and other statuses as answers that are not overloads', () => {
    const recent = answered(429, 429, 503, 503, 503, 404);
    // 3 of 6: not more than half.
    expect(recent.overloaded()).toBe(false);
    recent.record(503);
    expect(recent.overloaded()).toBe(true);
  });
});
