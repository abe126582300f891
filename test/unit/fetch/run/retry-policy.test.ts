import { nextRetryDelay, parseRetryAfter, type RetrySettings } from '../../../../src/fetch/run/retry-policy';

const settings: RetrySettings = { retries: 3, retryBaseMs: 100, retryMaxDelayMs: 5000, retryStatuses: [408, 425, 429, 500, 502, 503, 504] };
const NOW = 1_700_000_000_000;
const outcome = (over: Partial<Parameters<typeof nextRetryDelay>[0]>) => ({
  attempts: 1,
  code: 'HTTP_STATUS' as const,
  status: 503,
  retryAfter: undefined,
  ...over,
});

describe('nextRetryDelay', () => {
  it('retries configured statuses with full jitter that doubles per attempt', () => {
    expect(nextRetryDelay(outcome({ attempts: 1 }), settings, NOW, Infinity, () => 0.999)).toBe(99);
    expect(nextRetryDelay(outcome({ attempts: 3 }), settings, NOW, Infinity, () => 0.5)).toBe(200);
    expect(nextRetryDelay(outcome({ attempts: 2 }), settings, NOW, Infinity, () => 0)).toBe(0);
  });

  it('caps the backoff at retryMaxDelayMs', () => {
    const wide = { ...settings, retries: 20 };
    expect(nextRetryDelay(outcome({ attempts: 15 }), wide, NOW, Infinity, () => 0.999)).toBe(4995);
  });

  it('stops once the retries are spent', () => {
    expect(nextRetryDelay(outcome({ attempts: 4 }), settings, NOW, Infinity, () => 0.5)).toBeNull();
  });

  it.each([400, 401, 403, 404, 410, 422])('never retries %i', (status) => {
    expect(nextRetryDelay(outcome({ status }), settings, NOW, Infinity, () => 0.5)).toBeNull();
  });

  it('retries network errors and timeouts but not DNS, blocked or bad URLs', () => {
    for (const code of ['CONNECT', 'CONNECTION_RESET', 'TIMEOUT_HEADERS', 'TIMEOUT_TOTAL'] as const) {
      expect(nextRetryDelay(outcome({ code, status: null }), settings, NOW, Infinity, () => 0.5)).not.toBeNull();
    }
    for (const code of ['DNS', 'BLOCKED_ADDRESS', 'BAD_URL', 'TOO_LARGE', 'TLS'] as const) {
      expect(nextRetryDelay(outcome({ code, status: null }), settings, NOW, Infinity, () => 0.5)).toBeNull();
    }
  });

  it('honours Retry-After in seconds and as an HTTP-date', () => {
    expect(nextRetryDelay(outcome({ status: 429, retryAfter: '2' }), settings, NOW, Infinity, () => 0)).toBe(2000);
    const date = new Date(NOW + 3000).toUTCString();
    expect(nextRetryDelay(outcome({ status: 429, retryAfter: date }), settings, NOW, Infinity, () => 0)).toBe(3000);
  });

  it('gives up rather than retry sooner than a Retry-After beyond the cap', () => {
    expect(nextRetryDelay(outcome({ status: 429, retryAfter: '60' }), settings, NOW, Infinity, () => 0)).toBeNull();
  });

  it('retries a request the server may have acted on only when it said it did not: 408, 425, 429, 503 with Retry-After', () => {
    const unsafe = (over: Partial<Parameters<typeof nextRetryDelay>[0]>) => outcome({ unsafe: true, ...over });
    const random = () => 0.5;
    for (const status of [408, 425, 429]) expect(nextRetryDelay(unsafe({ status }), settings, NOW, Infinity, random)).not.toBeNull();
    expect(nextRetryDelay(unsafe({ status: 503, retryAfter: '1' }), settings, NOW, Infinity, random)).toBe(1000);
    expect(nextRetryDelay(unsafe({ status: 503 }), settings, NOW, Infinity, random)).toBeNull();
    expect(nextRetryDelay(unsafe({ status: 500 }), settings, NOW, Infinity, random)).toBeNull();
    expect(nextRetryDelay(unsafe({ code: 'CONNECTION_RESET', status: null }), settings, NOW, Infinity, random)).toBeNull();
    expect(nextRetryDelay(unsafe({ code: 'TIMEOUT_HEADERS', status: null }), settings, NOW, Infinity, random)).toBeNull();
    expect(nextRetryDelay(outcome({ code: 'CONNECTION_RESET', status: null }), settings, NOW, Infinity, random)).not.toBeNull();
  });

  it('does not retry when the wait would end past the deadline', () => {
    expect(nextRetryDelay(outcome({ status: 429, retryAfter: '2' }), settings, NOW, NOW + 1500, () => 0)).toBeNull();
    expect(nextRetryDelay(outcome({ status: 429, retryAfter: '1' }), settings, NOW, NOW + 1500, () => 0)).toBe(1000);
  });

  it('does not retry a success', () => {
    expect(nextRetryDelay(outcome({ code: null, status: 200 }), settings, NOW, Infinity, () => 0)).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, dates in the future and the past, and rejects junk', () => {
    expect(parseRetryAfter(' 5 ', NOW)).toBe(5000);
    expect(parseRetryAfter(new Date(NOW - 10_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-3', NOW)).toBeNull();
    expect(parseRetryAfter('1.5', NOW)).toBeNull();
  });
});
