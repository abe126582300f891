import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../jobs/errors';

/** Yields the expected API key (a literal locally; SSM, cached, when deployed). */
export type ApiKeySource = () => Promise<string>;

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The one place the `x-api-key` header is checked. Digests are compared in constant
 * time, so neither the key's content nor its length leaks through timing.
 */
export async function checkApiKey(headers: Readonly<Record<string, string | undefined>>, source: ApiKeySource): Promise<void> {
  const given = headers['x-api-key'];
  if (given === undefined || given === '') throw new UnauthorizedError();
  const expected = await source();
  if (!timingSafeEqual(digest(given), digest(expected))) throw new UnauthorizedError();
}
