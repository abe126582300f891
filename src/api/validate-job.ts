import { ValidationError, type ValidationDetail } from '../errors';
import { JOB_OPTION_KEYS, type JobOptionName } from '../jobs/job-engines';
import { parseS3Url } from '../jobs/manifest';
import type { JobOptions } from '../jobs/messages';
import type { JobSubmission } from '../jobs/submit-job';

/** URLs one inline job may carry; bigger jobs go through a manifest. */
export const MAX_INLINE_URLS = 10_000;

/** Details listed at most in one 400, so a million bad entries do not make a huge answer. */
const MAX_DETAILS = 20;


type OptionCheck = (value: unknown) => string | undefined;

const integer =
  (min: number, max: number): OptionCheck =>
  (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`;

/** Bounds of each job option; the deployment's limits cap concurrency further. */
const OPTION_CHECKS: { readonly [K in JobOptionName]: OptionCheck } = {
  concurrency: integer(1, 10_000),
  perHost: integer(1, 10_000),
  timeoutMs: integer(1, 15 * 60_000),
  retries: integer(0, 20),
  maxBytes: integer(0, 1024 * 1024 * 1024),
  storeBodies: (value) => (typeof value === 'boolean' ? undefined : 'must be true or false'),
};

function checkOptions(value: unknown, details: ValidationDetail[]): JobOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    details.push({ field: 'options', reason: 'must be an object' });
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!Object.hasOwn(JOB_OPTION_KEYS, name)) {
      details.push({ field: `options.${name}`, reason: `unknown option; allowed: ${Object.keys(JOB_OPTION_KEYS).join(', ')}` });
      continue;
    }
    const reason = OPTION_CHECKS[name as JobOptionName](v);
    if (reason === undefined) out[name] = v;
    else details.push({ field: `options.${name}`, reason });
  }
  return out;
}

function checkUrls(value: unknown, details: ValidationDetail[]): string[] {
  if (!Array.isArray(value)) {
    details.push({ field: 'urls', reason: 'must be an array of URL strings' });
    return [];
  }
  if (value.length === 0) details.push({ field: 'urls', reason: 'must not be empty' });
  if (value.length > MAX_INLINE_URLS) {
    details.push({ field: 'urls', reason: `must hold at most ${MAX_INLINE_URLS} URLs; submit a manifest for more` });
  }
  // Only the shape is checked here: a string that is not a valid URL becomes a BAD_URL result.
  value.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string') details.push({ field: `urls[${i}]`, reason: 'must be a string' });
  });
  return value as string[];
}

/**
 * Validates a parsed `POST /jobs` body. Every problem becomes one detail naming the
 * field or URL index; any detail makes a {@link ValidationError}.
 *
 * @example
 * validateJob({ urls: ['https://example.com/'], options: { retries: 1 } })
 */
export function validateJob(body: unknown): JobSubmission {
  const details: ValidationDetail[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be a JSON object', [{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (key !== 'urls' && key !== 'manifest' && key !== 'options') details.push({ field: key, reason: 'unknown field' });
  }
  const options = checkOptions(input['options'], details);
  let submission: JobSubmission | undefined;
  if (input['urls'] !== undefined && input['manifest'] !== undefined) {
    details.push({ field: 'manifest', reason: 'give either urls or manifest, not both' });
  } else if (input['manifest'] !== undefined) {
    const manifest = input['manifest'];
    const parsed = typeof manifest === 'string' ? parseS3Url(manifest) : undefined;
    if (parsed === undefined) details.push({ field: 'manifest', reason: 'must be an s3://bucket/key URL' });
    else submission = { kind: 'manifest', ...parsed, options };
  } else {
    submission = { kind: 'urls', urls: checkUrls(input['urls'], details), options };
  }
  if (details.length > 0 || submission === undefined) {
    const shown = details.slice(0, MAX_DETAILS);
    const more = details.length > MAX_DETAILS ? ` (first ${MAX_DETAILS} of ${details.length} shown)` : '';
    throw new ValidationError(`Invalid job: ${details.length} problem(s)${more}`, shown);
  }
  return submission;
}
