import {
  ROBOTS_MAX_BYTES,
  ROBOTS_MAX_CRAWL_DELAY_MS,
  robotsPolicyFrom,
  robotsProductToken,
  robotsUrlOf,
  type RobotsPolicy,
} from '../../../../src/fetch/robots/robots';
import { compileRobotsRules, ROBOTS_MATCH_BUDGET } from '../../../../src/fetch/robots/robots-rules';

const UA = 'fanout/0.1 (+https://github.com/fanout)';
const ROBOTS = 'https://h1.test/robots.txt';
const url = (path: string): URL => new URL(path, 'https://h1.test');
const fromBody = (body: string | null, userAgent = UA): RobotsPolicy => robotsPolicyFrom({ url: ROBOTS, status: 200, body }, userAgent);
const fromStatus = (status: number | null): RobotsPolicy =>
  robotsPolicyFrom({ url: ROBOTS, status, body: 'User-agent: *\nAllow: /\n' }, UA);
const allowed = (policy: RobotsPolicy, ...paths: string[]): boolean[] => paths.map((path) => policy.allows(url(path)));

describe('robotsUrlOf', () => {
  it('keeps the scheme, host and port and drops path, query and fragment', () => {
    expect(robotsUrlOf(new URL('https://Example.COM:8443/a/b?c=1#d'))).toBe('https://example.com:8443/robots.txt');
    expect(robotsUrlOf(new URL('http://example.com:80/x'))).toBe('http://example.com/robots.txt');
    expect(robotsUrlOf(new URL('http://[::1]:8080/x'))).toBe('http://[::1]:8080/robots.txt');
  });
});

describe('robotsProductToken', () => {
  it('is the leading letters, underscores and hyphens of the User-Agent', () => {
    expect(robotsProductToken(UA)).toBe('fanout');
    expect(robotsProductToken('my_bot-x/2.0')).toBe('my_bot-x');
    expect(robotsProductToken('(compatible)')).toBe('*');
  });
});

describe('robotsPolicyFrom, 2xx', () => {
  it('allows and disallows by path prefix', () => {
    const policy = fromBody('User-agent: *\nDisallow: /private\n');
    expect(policy.basis).toBe('rules');
    expect(allowed(policy, '/', '/public/x', '/private', '/private/a', '/privateer', '/x/private')).toEqual([
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('matches the query string as part of the path', () => {
    const policy = fromBody('User-agent: *\nDisallow: /search?q=\n');
    expect(allowed(policy, '/search', '/search?q=cats', '/search?page=2')).toEqual([true, false, true]);
  });

  it('supports * wildcards and the $ end anchor', () => {
    const policy = fromBody('User-agent: *\nDisallow: /*.pdf$\nDisallow: /tmp/*/cache\n');
    expect(allowed(policy, '/a/b.pdf', '/a/b.pdf?x=1', '/a/b.pdfx', '/tmp/1/cache/z', '/tmp/cache')).toEqual([
      false,
      true,
      true,
      false,
      true,
    ]);
  });

  it('lets the longest matching rule win, and Allow win a tie', () => {
    const policy = fromBody(
      'User-agent: *\nDisallow: /docs\nAllow: /docs/public\nDisallow: /docs/public/secret\nAllow: /same\nDisallow: /same\n',
    );
    expect(allowed(policy, '/docs/x', '/docs/public/a', '/docs/public/secret/b', '/same')).toEqual([false, true, false, true]);
  });

  it('follows our group instead of *, matching the product token case-insensitively', () => {
    const body = 'User-agent: *\nDisallow: /\n\nUser-agent: FanOut\nDisallow: /only-this\n';
    const ours = fromBody(body);
    expect(allowed(ours, '/', '/page', '/only-this')).toEqual([true, true, false]);
    expect(allowed(fromBody(body, 'FanOut (+https://github.com/fanout)'), '/page')).toEqual([true]);
    const other = fromBody(body, 'otherbot/1.0');
    expect(allowed(other, '/', '/page')).toEqual([false, false]);
  });

  it('ignores groups for other agents, and rules before any User-agent line', () => {
    const policy = fromBody('Disallow: /a\nUser-agent: googlebot\nDisallow: /b\n');
    expect(allowed(policy, '/a', '/b')).toEqual([true, true]);
  });

  it('combines several User-agent lines into one group, and two groups for us into one', () => {
    const policy = fromBody('User-agent: otherbot\nUser-agent: fanout\nDisallow: /a\n\nUser-agent: fanout\nDisallow: /b\n');
    expect(allowed(policy, '/a', '/b', '/c')).toEqual([false, false, true]);
  });

  it('names the robots.txt and the line of the rule in a denial', () => {
    const policy = fromBody('# comment\nUser-agent: *\nDisallow: /private\n');
    expect(policy.denial(url('/private/x'))).toBe(`disallowed by ${ROBOTS} (line 3)`);
    expect(policy.denial(url('/public'))).toBeNull();
  });

  it('takes Crawl-delay from our group, else from *', () => {
    expect(fromBody('User-agent: *\nCrawl-delay: 2\n\nUser-agent: fanout\nCrawl-delay: 0.5\n').crawlDelayMs).toBe(500);
    expect(fromBody('User-agent: *\nCrawl-delay: 3\n').crawlDelayMs).toBe(3000);
    expect(fromBody('User-agent: otherbot\nCrawl-delay: 9\n').crawlDelayMs).toBeNull();
  });

  it('does not borrow *’s Crawl-delay when our group sets none (groups do not merge)', () => {
    expect(fromBody('User-agent: *\nCrawl-delay: 3\n\nUser-agent: fanout\nDisallow: /x\n').crawlDelayMs).toBeNull();
  });

  it.each(['0', '-5', 'soon', '', 'Infinity'])('ignores a Crawl-delay of %p', (value) => {
    expect(fromBody(`User-agent: *\nCrawl-delay: ${value}\n`).crawlDelayMs).toBeNull();
  });

  it('caps a Crawl-delay at a day', () => {
    expect(ROBOTS_MAX_CRAWL_DELAY_MS).toBe(86_400_000);
    expect(fromBody('User-agent: *\nCrawl-delay: 100000\n').crawlDelayMs).toBe(ROBOTS_MAX_CRAWL_DELAY_MS);
  });

  it('allows everything for an empty body, a missing body, or garbage', () => {
    const garbage = '<html><body>Not found: 🤖 \u0000\u0001 ::: Disallow /</body></html>\n\u00ff\u00fe';
    for (const body of ['', null, garbage, '\n\n\r\n']) {
      const policy = fromBody(body);
      expect(policy.basis).toBe('rules');
      expect(allowed(policy, '/', '/anything')).toEqual([true, true]);
      expect(policy.crawlDelayMs).toBeNull();
    }
  });

  it('reads past a leading byte order mark (the parser trims it as white space)', () => {
    expect(allowed(fromBody('\uFEFFUser-agent: *\nDisallow: /\n'), '/x')).toEqual([false]);
  });

  it('parses the first 500 KiB and ignores the rest', () => {
    const filler = `# ${'x'.repeat(98)}\n`; // 101 bytes a line
    const head = 'User-agent: *\nDisallow: /early\n';
    const padding = filler.repeat(Math.ceil(ROBOTS_MAX_BYTES / filler.length));
    const policy = fromBody(`${head}${padding}Disallow: /late\n`);
    expect(allowed(policy, '/early', '/late', '/other')).toEqual([false, true, true]);
  });

  it('drops a rule cut in half at the limit rather than read part of it', () => {
    const head = 'User-agent: *\nDisallow: /x\n';
    const rule = 'Allow: /x/abcdef\n';
    // The limit falls inside `rule`: a half-read `Allow: /x/a` would allow /x/another.
    const padding = '#'.repeat(ROBOTS_MAX_BYTES - head.length - 'Allow: /x/a'.length - 1) + '\n';
    const policy = fromBody(`${head}${padding}${rule}`);
    expect(allowed(policy, '/x/another', '/x/abcdef')).toEqual([false, false]);
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const head = 'User-agent: *\n';
    const padding = `# ${'é'.repeat(ROBOTS_MAX_BYTES / 2)}\n`; // over 500 KiB in UTF-8, under it in characters
    expect(padding.length).toBeLessThan(ROBOTS_MAX_BYTES);
    expect(allowed(fromBody(`${head}${padding}Disallow: /\n`), '/x')).toEqual([true]);
  });
});

describe('robotsPolicyFrom, other statuses', () => {
  it.each([301, 302, 308, 400, 401, 403, 404, 410, 451])('treats %i as unavailable: everything allowed', (status) => {
    const policy = fromStatus(status);
    expect(policy.basis).toBe('unavailable');
    expect(policy.allows(url('/anything'))).toBe(true);
    expect(policy.denial(url('/anything'))).toBeNull();
    expect(policy.crawlDelayMs).toBeNull();
  });

  it.each([429, 500, 502, 503, 504, 599, 100, 600])('treats %i as unreachable: everything disallowed', (status) => {
    const policy = fromStatus(status);
    expect(policy.basis).toBe('unreachable');
    expect(allowed(policy, '/', '/anything')).toEqual([false, false]);
    expect(policy.denial(url('/a'))).toBe(`${ROBOTS} unreachable (HTTP ${status}): every path disallowed`);
  });

  it('treats no response as unreachable', () => {
    const policy = robotsPolicyFrom({ url: ROBOTS, status: null, body: null }, UA);
    expect(policy.basis).toBe('unreachable');
    expect(policy.allows(url('/'))).toBe(false);
    expect(policy.denial(url('/'))).toBe(`${ROBOTS} unreachable (no response): every path disallowed`);
  });

  it('parses only a 2xx body', () => {
    const body = 'User-agent: *\nDisallow: /\nCrawl-delay: 5\n';
    expect(robotsPolicyFrom({ url: ROBOTS, status: 204, body }, UA).allows(url('/a'))).toBe(false);
    const notFound = robotsPolicyFrom({ url: ROBOTS, status: 404, body }, UA);
    expect([notFound.allows(url('/a')), notFound.crawlDelayMs]).toEqual([true, null]);
  });
});

describe('RobotsPolicy origin', () => {
  it.each(['https://h2.test/a', 'http://h1.test/a', 'https://h1.test:8443/a'])('refuses to judge %s, of another origin', (other) => {
    for (const policy of [fromBody('User-agent: *\nDisallow: /\n'), fromStatus(503), fromStatus(404)]) {
      expect(() => policy.allows(new URL(other))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
      expect(() => policy.denial(new URL(other))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });

  it('judges the same origin written with its default port', () => {
    expect(fromBody('User-agent: *\nDisallow: /x\n').allows(new URL('https://H1.test:443/x'))).toBe(false);
  });
});

describe('robotsPolicyFrom, hostile files', () => {
  /** 500 KiB of rules that each make a naive matcher try every position of the path. */
  const wildcards =
    `User-agent: *\n${`Disallow: /*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n`.repeat(6000)}`.slice(
      0,
      ROBOTS_MAX_BYTES,
    );
  const longPath = `/${'a'.repeat(8000)}`;

  it('bounds the work of one match: an over-budget match is disallowed, with the reason, after a counted amount of work', () => {
    const rules = compileRobotsRules(wildcards, 'fanout');
    const verdict = rules.match(longPath);
    expect(verdict.overBudget).toBe(true);
    expect(verdict.steps).toBeLessThanOrEqual(ROBOTS_MATCH_BUDGET + longPath.length + 100);
    const policy = fromBody(wildcards);
    expect(policy.allows(url(longPath))).toBe(false);
    expect(policy.denial(url(longPath))).toBe(`${ROBOTS} has too many rules to match against this URL in bounded work: disallowed`);
  });

  it('matches a 500 KiB file of plain rules, and a short path against the wildcards, within the budget', () => {
    const plain = `User-agent: *\n${Array.from({ length: 25_000 }, (_, i) => `Disallow: /d${i}/x\n`).join('')}`.slice(0, ROBOTS_MAX_BYTES);
    const rules = compileRobotsRules(plain, 'fanout');
    const hit = rules.match('/d24000/x/y');
    expect([hit.overBudget, hit.rule?.allow, hit.rule?.line]).toEqual([false, false, 24_002]);
    expect(rules.match(`/e${'z'.repeat(8000)}`)).toMatchObject({ overBudget: false, rule: null });
    expect(compileRobotsRules(wildcards, 'fanout').match(`/${'a'.repeat(40)}b`)).toMatchObject({
      overBudget: false,
      rule: { allow: false, line: 2 },
    });
  });

  it('disallows /private in a 600 KB robots.txt that starts with it', () => {
    const big = `User-agent: *\nDisallow: /private\n${'# filler\n'.repeat(70_000)}`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(600_000);
    expect(allowed(fromBody(big), '/private/a', '/public')).toEqual([false, true]);
  });

  it('reads group names as text, not object keys', () => {
    const policy = fromBody('User-agent: constructor\nDisallow: /c\n\nUser-agent: __proto__\nDisallow: /p\n', 'constructor/1.0');
    expect(allowed(policy, '/c', '/p')).toEqual([false, true]);
    expect(allowed(fromBody('User-agent: *\nDisallow: /x\n', 'toString/1.0'), '/x')).toEqual([false]);
  });
});
