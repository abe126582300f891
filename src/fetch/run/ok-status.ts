/** Request headers that make a request conditional: a 304 then means "what you have is current". */
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since'] as const;

/**
 * Whether a final response status makes an `ok` record: any 2xx, and a 304 when
 * the request was conditional (the caller sent validators from an earlier fetch,
 * so "not modified" is the answer it asked for). An unsolicited 304, like any
 * other status, is an `HTTP_STATUS` failure.
 *
 * @param requestHeaders the URL's own request headers (`UrlInput.headers`), lower-case names
 */
export function isOkStatus(status: number | null, requestHeaders: Readonly<Record<string, string>> | undefined): boolean {
  if (status === null) return false;
  if (status >= 200 && status <= 299) return true;
  return status === 304 && requestHeaders !== undefined && CONDITIONAL_HEADERS.some((name) => requestHeaders[name] !== undefined);
}
