import { createHash } from 'node:crypto';
import { ValidationError } from '../errors';

/** The request header (IETF draft-ietf-httpapi-idempotency-key-header). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** A key: 1 to 255 visible ASCII characters (a UUID is the usual choice). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** What an idempotent request is known by: the job it makes and the request it must stay. */
export interface Idempotency {
  /** The id of the job the key names: the same key always names the same job. */
  readonly jobId: string;
  /** The request's fingerprint: method, path and body; a repeat with another one is a 422. */
  readonly requestHash: string;
}

/**
 * Reads a request's `Idempotency-Key`. A client that retries a `POST` it could not
 * see answered sends the same key, and gets the same job instead of a second one:
 * the key's hash is the job id, so the job's one conditional create decides, however
 * many repeats race. The job keeps the request's fingerprint, so a key reused for
 * another request is refused (422) instead of answering for a job it did not ask for.
 * A key names its job for as long as the job is kept (at least 24 hours).
 *
 * @returns undefined when the request has no key (each POST is then a new job)
 */
export function idempotencyOf(
  headers: Readonly<Record<string, string | undefined>>,
  request: { readonly method: string; readonly path: string; readonly body: unknown },
): Idempotency | undefined {
  const key = headers[IDEMPOTENCY_HEADER];
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError('Invalid Idempotency-Key', [
      { field: 'Idempotency-Key', reason: 'must be 1 to 255 visible ASCII characters, e.g. a UUID' },
    ]);
  }
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return {
    // 22 base64url characters: 132 bits, within the job id pattern.
    jobId: `k-${digest(key).toString('base64url').slice(0, 22)}`,
    requestHash: digest(`${request.method} ${request.path}\n${JSON.stringify(request.body)}`).toString('hex'),
  };
}
