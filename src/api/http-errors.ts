import { FanoutError, ValidationError } from '../errors';
import { PIPELINE_ERROR_CODES } from '../jobs/errors';
import type { Logger } from '../observability/logger';

/** An HTTP answer before it is shaped for API Gateway. */
export interface HttpReply {
  readonly statusCode: number;
  /** Sent as JSON, unless `contentType` is set: then it is a string sent as is. */
  readonly body: unknown;
  /** The answer's media type when it is not JSON (the report is `text/html`). */
  readonly contentType?: string;
}

/** Status per error code for errors that are the caller's fault (their message is exposed). */
const CLIENT_ERRORS: Readonly<Record<string, number>> = {
  VALIDATION: 400,
  [PIPELINE_ERROR_CODES.BAD_CURSOR]: 400,
  [PIPELINE_ERROR_CODES.MANIFEST]: 400,
  [PIPELINE_ERROR_CODES.UNAUTHORIZED]: 401,
  [PIPELINE_ERROR_CODES.NOT_FOUND]: 404,
  [PIPELINE_ERROR_CODES.CONFLICT]: 409,
  [PIPELINE_ERROR_CODES.IDEMPOTENCY_MISMATCH]: 422,
};

/** Which request field a client error without details is about. */
const FIELD_OF: Readonly<Record<string, string>> = {
  [PIPELINE_ERROR_CODES.BAD_CURSOR]: 'cursor',
  [PIPELINE_ERROR_CODES.MANIFEST]: 'manifest',
};

/**
 * Maps an error to an answer: below 500 the error's code, message and details are
 * exposed; anything else is a 500 with a generic message and the request id, and the
 * detail goes only to the log.
 */
export function errorReply(error: unknown, requestId: string, log: Logger): HttpReply {
  if (error instanceof FanoutError) {
    const status = CLIENT_ERRORS[error.code];
    if (status !== undefined) {
      const field = FIELD_OF[error.code];
      if (error instanceof ValidationError || field !== undefined) {
        const details = error instanceof ValidationError ? error.details : [{ field, reason: error.message }];
        return { statusCode: status, body: { error: { code: 'VALIDATION', message: error.message, details } } };
      }
      return { statusCode: status, body: { error: { code: error.code, message: error.message } } };
    }
  }
  // Powertools prints an Error's name, message, stack and own keys (its `code`).
  log.error('request failed', { requestId, error: error instanceof Error ? error : new Error(String(error)) });
  return { statusCode: 500, body: { error: { code: 'INTERNAL', message: 'Internal error', requestId } } };
}
