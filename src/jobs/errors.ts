import { FanoutError } from '../errors';

/** Codes of pipeline errors that are not per-URL results. */
export const PIPELINE_ERROR_CODES = {
  QUEUE_PUBLISH: 'QUEUE_PUBLISH',
  BAD_CURSOR: 'BAD_CURSOR',
  BAD_MESSAGE: 'BAD_MESSAGE',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHORIZED: 'UNAUTHORIZED',
  MANIFEST: 'MANIFEST',
  CONFLICT: 'CONFLICT',
  LIMIT_CONTENDED: 'LIMIT_CONTENDED',
  IDEMPOTENCY_MISMATCH: 'IDEMPOTENCY_MISMATCH',
} as const;

/** Some messages could not be sent after every retry; `failedIds` names them. */
export class QueuePublishError extends FanoutError<'QUEUE_PUBLISH'> {
  override readonly name = 'QueuePublishError';
  readonly failedIds: readonly string[];

  constructor(message: string, failedIds: readonly string[], options?: { cause?: unknown }) {
    super(PIPELINE_ERROR_CODES.QUEUE_PUBLISH, message, options);
    this.failedIds = failedIds;
  }
}

/** A results cursor that this store did not issue (or for another job). */
export class BadCursorError extends FanoutError<'BAD_CURSOR'> {
  override readonly name = 'BadCursorError';

  constructor(message: string) {
    super(PIPELINE_ERROR_CODES.BAD_CURSOR, message);
  }
}

/** A queue message that does not parse as what its queue carries; it goes to the DLQ. */
export class BadMessageError extends FanoutError<'BAD_MESSAGE'> {
  override readonly name = 'BadMessageError';

  constructor(message: string) {
    super(PIPELINE_ERROR_CODES.BAD_MESSAGE, message);
  }
}

/** The named thing (a job) does not exist. */
export class NotFoundError extends FanoutError<'NOT_FOUND'> {
  override readonly name = 'NotFoundError';

  constructor(message: string) {
    super(PIPELINE_ERROR_CODES.NOT_FOUND, message);
  }
}

/** The request's API key is missing or wrong. */
export class UnauthorizedError extends FanoutError<'UNAUTHORIZED'> {
  override readonly name = 'UnauthorizedError';

  constructor(message = 'Missing or invalid x-api-key') {
    super(PIPELINE_ERROR_CODES.UNAUTHORIZED, message);
  }
}

/** A manifest cannot be read (missing object, not s3://, unreadable). */
export class ManifestError extends FanoutError<'MANIFEST'> {
  override readonly name = 'ManifestError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(PIPELINE_ERROR_CODES.MANIFEST, message, options);
  }
}

/** The request does not fit the job's state (cancel an ended job, redrive a running one). */
export class ConflictError extends FanoutError<'CONFLICT'> {
  override readonly name = 'ConflictError';

  constructor(message: string) {
    super(PIPELINE_ERROR_CODES.CONFLICT, message);
  }
}

/** A fleet limit's item kept changing under every attempt to update it (too many consumers at once). */
export class LimitContendedError extends FanoutError<'LIMIT_CONTENDED'> {
  override readonly name = 'LimitContendedError';

  constructor(message: string) {
    super(PIPELINE_ERROR_CODES.LIMIT_CONTENDED, message);
  }
}

/** An `Idempotency-Key` used again with a different request (IETF idempotency-key draft: 422). */
export class IdempotencyMismatchError extends FanoutError<'IDEMPOTENCY_MISMATCH'> {
  override readonly name = 'IdempotencyMismatchError';

  constructor(message = 'This Idempotency-Key was used with a different request') {
    super(PIPELINE_ERROR_CODES.IDEMPOTENCY_MISMATCH, message);
  }
}
