import { ValidationDetails, ValidationError } from '../errors';
import { manifestReason, validateJobOptions, webhookReason, type JobLimits } from '../jobs/job-options';
import { createNetworkGuard } from '../net/guard';
import { parseS3Url } from '../jobs/chunks/manifest';
import type { JobSubmission } from '../jobs/lifecycle/submit-job';
import { signingSecret, WebhookError, type WebhookDelivery } from '../webhook/webhook';

/** URLs one inline job may carry; bigger jobs go through a manifest. */
export const MAX_INLINE_URLS = 10_000;

function checkUrls(value: unknown, details: ValidationDetails): string[] {
  if (!Array.isArray(value)) {
    details.add('urls', 'must be an array of URL strings');
    return [];
  }
  if (value.length === 0) details.add('urls', 'must not be empty');
  if (value.length > MAX_INLINE_URLS) {
    details.add('urls', `must hold at most ${MAX_INLINE_URLS} URLs; submit a manifest for more`);
  }
  // Only the shape is checked here: a string that is not a valid URL becomes a BAD_URL result.
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') details.add(() => `urls[${i}]`, 'must be a string');
  }
  return value as string[];
}

/**
 * Validates a parsed `POST /jobs` body against the deployment's limits. Every problem
 * becomes one detail naming the field or URL index; any detail makes a
 * {@link ValidationError}.
 *
 * @example
 * validateJob({ urls: ['https://example.com/'], options: { retries: 1 } }, limits)
 */
export function validateJob(body: unknown, limits: JobLimits): JobSubmission {
  const details = new ValidationDetails();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be a JSON object', [{ field: '(body)', reason: 'must be a JSON object' }]);
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!['urls', 'manifest', 'options', 'webhook'].includes(key)) details.add(key, 'unknown field');
  }
  const options = validateJobOptions(input['options'], limits, details);
  const webhook = input['webhook'];
  if (webhook !== undefined) {
    const reason = webhookReason(webhook, limits, createNetworkGuard(limits.engine.allowNet));
    if (reason !== undefined) details.add('webhook', reason);
  }
  let submission: JobSubmission | undefined;
  if (input['urls'] !== undefined && input['manifest'] !== undefined) {
    details.add('manifest', 'give either urls or manifest, not both');
  } else if (input['manifest'] !== undefined) {
    const manifest = input['manifest'];
    const parsed = typeof manifest === 'string' ? parseS3Url(manifest) : undefined;
    const reason = parsed === undefined ? 'must be an s3://bucket/key URL' : manifestReason(parsed.bucket, parsed.key, limits);
    if (reason !== undefined || parsed === undefined) details.add('manifest', reason ?? '');
    else submission = { kind: 'manifest', ...parsed, options };
  } else {
    submission = { kind: 'urls', urls: checkUrls(input['urls'], details), options };
  }
  details.throwIfAny('Invalid job');
  // Every way of leaving no submission recorded a detail, so there is one here.
  const accepted = submission as JobSubmission;
  return typeof webhook === 'string' ? { ...accepted, webhook } : accepted;
}

/**
 * The submit-time half of webhook validation, which needs I/O: a job that asks for a
 * webhook on a deployment whose signing secret is missing or unreadable is refused now
 * (400) rather than accepted and left unannounced. A read that may pass later
 * (throttling) lets the job through: its announcement tries again, and records why if
 * it cannot.
 */
export async function checkWebhookSigning(submission: JobSubmission, webhooks: WebhookDelivery | undefined): Promise<void> {
  if (submission.webhook === undefined || webhooks === undefined) return;
  const problem = await signingSecret(webhooks).then(
    () => undefined,
    (error: unknown) => (error instanceof WebhookError && !error.retryable ? error.message : undefined),
  );
  if (problem !== undefined) {
    throw new ValidationError('Invalid job: 1 problem(s)', [{ field: 'webhook', reason: `cannot be signed: ${problem}` }]);
  }
}
