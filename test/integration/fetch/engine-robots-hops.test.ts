import { runEngine } from '../helpers/run-engine';
import { startRecordingServer, type RecordingServer } from '../helpers/recording-server';

/** robots.txt on every redirect hop, for the hop's host. */
describe('engine robots.txt on redirect hops', () => {
  let site: RecordingServer;
  let other: RecordingServer;
  let allowNet: string[];

  beforeAll(async () => {
    other = await startRecordingServer((request, res) => {
      if (request.path === '/robots.txt') res.end('User-agent: *\nDisallow: /closed\n');
      else res.end('other');
    });
    site = await startRecordingServer((request, res) => {
      const path = request.path;
      if (path === '/robots.txt') res.write('User-agent: *\nDisallow: /private\n');
      else if (path === '/public') res.writeHead(302, { location: '/private/secret' });
      else if (path === '/public-ok') res.writeHead(302, { location: '/also-public' });
      else if (path === '/to-other-closed') res.writeHead(302, { location: `${other.origin}/closed/page` });
      else if (path === '/to-other-open') res.writeHead(301, { location: `${other.origin}/open` });
      res.end('site');
    });
    allowNet = [`127.0.0.1:${site.port}`, `127.0.0.1:${other.port}`];
  });
  afterAll(async () => {
    await site.close();
    await other.close();
  });
  beforeEach(() => {
    site.received.splice(0);
    other.received.splice(0);
  });

  it('does not follow a redirect to a path the same host disallows', async () => {
    const { results } = await runEngine([`${site.origin}/public`, `${site.origin}/public-ok`], { allowNet, robots: true });
    expect(results[0]).toMatchObject({
      ok: false,
      finalUrl: `${site.origin}/private/secret`,
      error: { code: 'ROBOTS_DISALLOWED', message: expect.stringContaining(`${site.origin}/robots.txt`) },
    });
    expect(results[1]).toMatchObject({ ok: true, finalUrl: `${site.origin}/also-public` });
    expect(site.to('/private/secret')).toEqual([]);
    expect(site.to('/robots.txt')).toHaveLength(1);
  });

  it('reads the robots.txt of the host a redirect goes to, once, and obeys it', async () => {
    const { results } = await runEngine([`${site.origin}/to-other-closed`, `${site.origin}/to-other-open`], {
      allowNet,
      robots: true,
      concurrency: 1,
    });
    expect(results[0]).toMatchObject({
      finalUrl: `${other.origin}/closed/page`,
      error: { code: 'ROBOTS_DISALLOWED', message: expect.stringContaining(`${other.origin}/robots.txt`) },
    });
    expect(results[1]).toMatchObject({ ok: true, finalUrl: `${other.origin}/open` });
    expect(other.received.map((r) => r.path)).toEqual(['/robots.txt', '/open']);
  });

  it('follows the same redirects when robots is off', async () => {
    const { results } = await runEngine([`${site.origin}/public`, `${site.origin}/to-other-closed`], { allowNet });
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(site.to('/robots.txt')).toEqual([]);
    expect(other.to('/robots.txt')).toEqual([]);
  });
});
