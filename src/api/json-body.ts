import { ValidationError } from '../errors';

/** Largest request body accepted, below Lambda's 6 MB synchronous payload. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Decodes and parses a JSON request body. Missing, oversized and non-JSON bodies
 * become a {@link ValidationError} on the field `(body)`, like any other bad input.
 */
export function parseJsonBody(raw: string | undefined, isBase64: boolean, maxBytes = MAX_BODY_BYTES): unknown {
  if (raw === undefined || raw === '') {
    throw new ValidationError('A JSON body is required', [{ field: '(body)', reason: 'is missing' }]);
  }
  const bytes = isBase64 ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes) {
    throw new ValidationError(`The body is larger than ${maxBytes} bytes`, [
      { field: '(body)', reason: `is ${bytes.length} bytes; at most ${maxBytes} are accepted` },
    ]);
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'is not JSON';
    throw new ValidationError('The body is not valid JSON', [{ field: '(body)', reason }]);
  }
}
