import { MAX_REQUEST_LINE_CHARS, parseRequestLine, requestOf } from '../../../src/io/request-lines';

describe('parseRequestLine', () => {
  const reason = (text: string): string | undefined => parseRequestLine(text, 1).rejected?.message;

  it('reads url, method, headers (lower-cased), body and meta', () => {
    const input = parseRequestLine(
      JSON.stringify({ url: ' https://x/ ', method: 'PUT', headers: { 'X-A': '1' }, body: 'é', meta: { id: 1 } }),
      4,
    );
    expect(input).toEqual({
      url: 'https://x/',
      line: 4,
      meta: { id: 1 },
      request: { method: 'PUT', headers: { 'x-a': '1', 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('é') },
    });
  });

  it('decodes bodyBase64 and makes a POST of a body with no method', () => {
    const input = parseRequestLine(JSON.stringify({ url: 'https://x/', bodyBase64: Buffer.from([0, 255]).toString('base64') }), 1);
    expect(input.request).toMatchObject({ method: 'POST', body: Buffer.from([0, 255]) });
  });

  it('lets the line win over the defaults, header names merged case-insensitively', () => {
    const input = parseRequestLine(JSON.stringify({ url: 'https://x/', headers: { 'X-A': 'line' } }), 1, {
      method: 'DELETE',
      headers: { 'x-a': 'flag', 'x-b': 'b' },
    });
    expect(input.request).toEqual({ method: 'DELETE', headers: { 'x-a': 'line', 'x-b': 'b' } });
  });

  it.each([
    ['{"url": ', /^line is not valid JSON/],
    ['[1]', /must be a JSON object/],
    ['{"method": "GET"}', /"url" must be a string/],
    ['{"url": "u", "method": "TRACE"}', /is not one of/],
    ['{"url": "u", "headers": []}', /must be an object/],
    ['{"url": "u", "headers": {"A": 1}}', /entry 1: a header value is not a string/],
    ['{"url": "u", "headers": {"Content-Length": "1"}}', /set by the engine/],
    ['{"url": "u", "headers": {"X-A": "caf\u00e9 \u2603"}}', /beyond Latin-1/],
    ['{"url": "u", "headers": {"X-A": "a\\u0001b"}}', /control character/],
    ['{"url": "u", "body": "a", "bodyBase64": "YQ=="}', /not both/],
    ['{"url": "u", "bodyBase64": "not base64!"}', /must be base64/],
    ['{"url": "u", "method": "HEAD", "body": "a"}', /cannot have a body/],
    ['{"url": "u", "extra": 1}', /unknown field "extra"/],
  ])('refuses %s', (text, expected) => {
    expect(reason(text)).toMatch(expected);
  });

  it('keeps url and meta of a refused object, for its record', () => {
    expect(parseRequestLine('{"url": "https://x/", "method": "no way", "meta": [1]}', 2)).toMatchObject({
      url: 'https://x/',
      meta: [1],
      rejected: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses a body over the cap and a line over the request line cap', () => {
    expect(reason(JSON.stringify({ url: 'u', body: 'x'.repeat(1024 * 1024 + 1) }))).toMatch(/over the limit of 1048576/);
    expect(reason(`{"url": "u", "meta": "${'m'.repeat(MAX_REQUEST_LINE_CHARS)}"}`)).toMatch(/longer than/);
  });
});

describe('requestOf', () => {
  it('is null for a bare GET', () => {
    expect(requestOf({}, undefined, undefined, undefined)).toBeNull();
  });
});
