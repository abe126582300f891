import { FETCH_ERROR_CODES, FetchError, type FetchErrorCode } from '../../errors';

/** A Map, not an object literal: a code such as `constructor` must not find Object's prototype. */
const BY_SYSTEM_CODE: ReadonlyMap<string, FetchErrorCode> = new Map(
  Object.entries({
    ENOTFOUND: FETCH_ERROR_CODES.DNS,
    EAI_AGAIN: FETCH_ERROR_CODES.DNS,
    EAI_FAIL: FETCH_ERROR_CODES.DNS,
    EAI_NODATA: FETCH_ERROR_CODES.DNS,
    EAI_NONAME: FETCH_ERROR_CODES.DNS,
    ECONNREFUSED: FETCH_ERROR_CODES.CONNECT,
    EHOSTUNREACH: FETCH_ERROR_CODES.CONNECT,
    ENETUNREACH: FETCH_ERROR_CODES.CONNECT,
    EADDRNOTAVAIL: FETCH_ERROR_CODES.CONNECT,
    UND_ERR_CONNECT: FETCH_ERROR_CODES.CONNECT,
    // Out of file descriptors: the socket budget shrinks and the attempt is retried.
    EMFILE: FETCH_ERROR_CODES.CONNECT,
    ENFILE: FETCH_ERROR_CODES.CONNECT,
    ECONNRESET: FETCH_ERROR_CODES.CONNECTION_RESET,
    ECONNABORTED: FETCH_ERROR_CODES.CONNECTION_RESET,
    EPIPE: FETCH_ERROR_CODES.CONNECTION_RESET,
    UND_ERR_SOCKET: FETCH_ERROR_CODES.CONNECTION_RESET,
    UND_ERR_CLOSED: FETCH_ERROR_CODES.CONNECTION_RESET,
    UND_ERR_CONNECT_TIMEOUT: FETCH_ERROR_CODES.TIMEOUT_CONNECT,
    UND_ERR_HEADERS_TIMEOUT: FETCH_ERROR_CODES.TIMEOUT_HEADERS,
    UND_ERR_BODY_TIMEOUT: FETCH_ERROR_CODES.TIMEOUT_BODY,
    UND_ERR_RES_EXCEEDED_MAX_SIZE: FETCH_ERROR_CODES.TOO_LARGE,
    UND_ERR_RES_CONTENT_LENGTH_MISMATCH: FETCH_ERROR_CODES.BAD_RESPONSE,
    // Headers, or trailers, past undici's maxHeaderSize: the server's fault.
    UND_ERR_HEADERS_OVERFLOW: FETCH_ERROR_CODES.BAD_RESPONSE,
    Z_DATA_ERROR: FETCH_ERROR_CODES.BAD_RESPONSE,
    Z_BUF_ERROR: FETCH_ERROR_CODES.BAD_RESPONSE,
  }),
);

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;
/** An undecodable body: llhttp (`HPE_*`), brotli (`ERR__ERROR_*`) and zstd (`ZSTD_error_*`) codes. */
const BAD_RESPONSE_CODE = /^(HPE_|ERR__ERROR_|ZSTD_error_)/;

/**
 * Maps whatever a socket, undici or zlib threw to a {@link FetchError} with one
 * of our stable codes, keeping the original as `cause`.
 */
export function classifyError(err: unknown): FetchError {
  if (err instanceof FetchError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  let mapped = BY_SYSTEM_CODE.get(code);
  if (mapped === undefined) {
    if (TLS_CODE.test(code)) mapped = FETCH_ERROR_CODES.TLS;
    else if (BAD_RESPONSE_CODE.test(code)) mapped = FETCH_ERROR_CODES.BAD_RESPONSE;
    else mapped = FETCH_ERROR_CODES.INTERNAL;
  }
  return new FetchError(mapped, code === '' ? message : `${code}: ${message}`, { cause: err });
}
