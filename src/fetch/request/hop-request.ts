import { CREDENTIAL_HEADERS } from './request-rules';

/**
 * What to send for one input, besides its URL: the method, headers sent on every
 * hop, and a body. Header names are lower-case; everything has been checked
 * (src/fetch/request/request-rules.ts).
 */
export interface RequestSpec {
  /** GET when absent. */
  readonly method?: string;
  /** Sent on every hop; credentials ({@link CREDENTIAL_HEADERS} and `secretHeaders`) only while the origin stays the same. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  /** Lower-case names of further headers whose values are secrets (dropped on a cross-origin hop). */
  readonly secretHeaders?: readonly string[];
}

/** The request of one hop, as it goes on the wire. */
export interface HopRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | null;
  /** Lower-case names of the headers that must not cross to another origin. */
  readonly secrets: readonly string[];
}

/**
 * Headers that describe a body (Fetch standard, "request-body-header name"): they go
 * when a redirect drops the body.
 */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];

/** The first hop: the engine's headers, then the request's own over them. */
export function firstHopRequest(engineHeaders: Readonly<Record<string, string>>, spec: RequestSpec | undefined): HopRequest {
  return {
    method: spec?.method ?? 'GET',
    headers: spec?.headers === undefined ? engineHeaders : { ...engineHeaders, ...spec.headers },
    body: spec?.body ?? null,
    secrets: spec?.secretHeaders === undefined ? CREDENTIAL_HEADERS : [...CREDENTIAL_HEADERS, ...spec.secretHeaders],
  };
}

/**
 * The request for the hop a redirect `status` from `from` to `to` leads to
 * (RFC 9110 §15.4, as browsers and curl do it):
 *
 * | status        | method                               | body     |
 * | ------------- | ------------------------------------ | -------- |
 * | 301, 302      | POST becomes GET, others kept        | dropped with POST |
 * | 303           | GET (HEAD stays HEAD)                | dropped  |
 * | 307, 308      | kept                                 | kept     |
 *
 * On a hop to another origin (scheme, host or port) the credentials and secret
 * headers are dropped, and stay dropped for the hops after it, even one back to the
 * first origin.
 */
export function redirectedRequest(request: HopRequest, status: number, from: URL, to: URL): HopRequest {
  const toGet = status === 303 ? request.method !== 'HEAD' : (status === 301 || status === 302) && request.method === 'POST';
  const crossOrigin = from.origin !== to.origin;
  if (!toGet && !crossOrigin) return request;
  const headers = { ...request.headers };
  if (toGet) for (const name of BODY_HEADERS) delete headers[name];
  if (crossOrigin) for (const name of request.secrets) delete headers[name];
  return {
    method: toGet ? 'GET' : request.method,
    headers,
    body: toGet ? null : request.body,
    secrets: request.secrets,
  };
}
