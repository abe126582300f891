import { firstHopRequest, redirectedRequest } from '../../../../src/fetch/request/hop-request';

describe('redirectedRequest', () => {
  const a = new URL('https://a.example/start');
  const body = Buffer.from('x=1');
  const post = firstHopRequest(
    { 'user-agent': 'ua' },
    {
      method: 'POST',
      headers: { authorization: 'A', cookie: 'C', 'proxy-authorization': 'P', 'x-key': 'K', 'content-type': 'text/plain', 'x-other': 'o' },
      body,
      secretHeaders: ['x-key'],
    },
  );

  it.each([301, 302, 303])('makes a POST a GET without body or body headers after %i', (status) => {
    const next = redirectedRequest(post, status, a, new URL('https://a.example/next'));
    expect(next.method).toBe('GET');
    expect(next.body).toBeNull();
    expect(next.headers['content-type']).toBeUndefined();
    expect(next.headers.authorization).toBe('A');
  });

  it.each([307, 308])('keeps method, body and headers after %i', (status) => {
    expect(redirectedRequest(post, status, a, new URL('https://a.example/next'))).toBe(post);
  });

  it('makes anything but HEAD a GET after 303, and keeps a PUT after 302', () => {
    const put = { ...post, method: 'PUT' };
    expect(redirectedRequest(put, 303, a, a).method).toBe('GET');
    expect(redirectedRequest(put, 302, a, a).method).toBe('PUT');
    expect(redirectedRequest({ ...post, method: 'HEAD', body: null }, 303, a, a).method).toBe('HEAD');
  });

  it.each([
    ['another host', 'https://b.example/'],
    ['another scheme', 'http://a.example/'],
    ['another port', 'https://a.example:8443/'],
  ])('drops credentials and secret headers on a hop to %s', (_what, to) => {
    const next = redirectedRequest(post, 307, a, new URL(to));
    expect(next.headers).toEqual({ 'user-agent': 'ua', 'content-type': 'text/plain', 'x-other': 'o' });
    expect(next.body).toBe(body);
  });
});
