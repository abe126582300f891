/**
 * A job's webhook: the JSON of its end event POSTed to the URL the job gave, signed so
 * the receiver can tell it came from this deployment, retried with backoff, at least
 * once (the event's `id` is the same on every repeat, to deduplicate on).
 *
 * Signature (the scheme Stripe and GitHub use, with a timestamp against replays):
 * `x-fanout-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * A receiver recomputes v1 over the raw body with its copy of the secret, compares in
 * constant time, and refuses a `t` far from its clock.
 */
import { createHmac } from 'node:crypto';
import { FanoutError } from '../errors';
import type { JobEndedEvent } from '../jobs/ports';
import { shownWebhookUrl } from './webhook-url';

/** Sends one POST; the implementation applies the network guard (a blocked address throws). */
export interface WebhookSender {
  post(url: string, body: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<{ status: number }>;
}

/** Header names a receiver reads. */
export const WEBHOOK_HEADERS = {
  SIGNATURE: 'x-fanout-signature',
  EVENT_ID: 'x-fanout-event-id',
} as const;

/** How hard a webhook is tried within one invocation. */
export interface WebhookRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Defaults: three tries over about three seconds, each attempt at most 5 s. */
export const WEBHOOK_RETRY: WebhookRetry = { attempts: 3, baseDelayMs: 1000, timeoutMs: 5000 };

/** The shortest attempt worth starting: with less time left, the delivery stops and comes back later. */
export const WEBHOOK_MIN_ATTEMPT_MS = 1000;

/**
 * Reading the signing secret failed in a way no retry fixes: the parameter is not
 * there, or we may not read it. Anything else (throttling, the network) may pass.
 */
const SECRET_GONE = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'AccessDeniedException', 'InvalidKeyId', 'ParameterEmpty']);

/** The webhook could not be delivered after every attempt. */
export class WebhookError extends FanoutError<'WEBHOOK'> {
  override readonly name = 'WebhookError';
  /** False when trying later cannot help (a 4xx, a refused address). */
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super('WEBHOOK', message, options);
    this.retryable = retryable;
  }
}

/** What delivering webhooks needs: a guarded sender and the deployment's signing secret. */
export interface WebhookDelivery {
  readonly sender: WebhookSender;
  readonly secret: () => Promise<string>;
  readonly retry?: WebhookRetry;
  /**
   * Epoch ms by which every attempt and wait must have ended: the invocation's end
   * less the time to record the outcome. Absent: the attempts alone bound it.
   */
  readonly until?: number;
}

/** Time kept after the last webhook attempt for recording its outcome before the invocation ends. */
export const WEBHOOK_RESERVE_MS = 2000;

/**
 * `webhooks` for one invocation that ends at `invocationEnd` (epoch ms): its attempts
 * and waits end {@link WEBHOOK_RESERVE_MS} before, so a slow receiver cannot make the
 * function time out before the announcement (or the failure) is recorded. As a
 * partial deps object, to spread into a handler's deps.
 */
export function webhooksWithin(webhooks: WebhookDelivery | undefined, invocationEnd: number): { webhooks?: WebhookDelivery } {
  return webhooks === undefined ? {} : { webhooks: { ...webhooks, until: invocationEnd - WEBHOOK_RESERVE_MS } };
}

/**
 * The deployment's signing secret, or a {@link WebhookError}: not retryable when the
 * parameter is missing or unreadable (the operator must create it), retryable when
 * the read failed otherwise. The error names what failed, never the secret.
 */
export async function signingSecret(delivery: WebhookDelivery): Promise<string> {
  try {
    return await delivery.secret();
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const gone = SECRET_GONE.has(name);
    const what = gone ? 'is missing or not readable' : 'could not be read';
    throw new WebhookError(`this deployment's webhook signing secret ${what} (${name})`, !gone, { cause: error });
  }
}

/**
 * Signs and POSTs `event` to `url` with the deployment's secret, within
 * `delivery.until`; throws {@link WebhookError} when it was not delivered.
 */
export async function sendWebhook(delivery: WebhookDelivery, url: string, event: JobEndedEvent): Promise<void> {
  const secret = await signingSecret(delivery);
  await deliverWebhook(delivery.sender, secret, url, event, delivery.retry, Date.now, delivery.until);
}

/** The signature header's value for `body` at `timestampS`. */
export function signWebhook(secret: string, body: string, timestampS: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

/**
 * POSTs the event to `url`: a 2xx is delivered; a 408, 429 or 5xx, or a network error,
 * is tried again after `baseDelayMs × 2^n`; anything else (a 4xx, a refused address)
 * fails at once. No wait or attempt runs past `until`: each attempt's timeout is cut to
 * what is left, and none starts with less than {@link WEBHOOK_MIN_ATTEMPT_MS}. Throws
 * {@link WebhookError} when it was not delivered, so the caller's delivery fails and
 * SQS brings it back: the announcement is then made again.
 */
export async function deliverWebhook(
  sender: WebhookSender,
  secret: string,
  url: string,
  event: JobEndedEvent,
  retry: WebhookRetry = WEBHOOK_RETRY,
  now: () => number = Date.now,
  until = Number.POSITIVE_INFINITY,
): Promise<void> {
  const body = JSON.stringify(event);
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last: unknown = new Error('no time left in this invocation');
  let retryable = true;
  for (let attempt = 0; attempt < retry.attempts; attempt += 1) {
    const wait = attempt === 0 ? 0 : retry.baseDelayMs * 2 ** (attempt - 1);
    if (now() + wait + WEBHOOK_MIN_ATTEMPT_MS > until) break;
    if (wait > 0) await sleep(wait);
    const timeoutMs = Math.min(retry.timeoutMs, until - now());
    const headers = {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.EVENT_ID]: event.id,
      [WEBHOOK_HEADERS.SIGNATURE]: signWebhook(secret, body, Math.floor(now() / 1000)),
    };
    try {
      const { status } = await sender.post(url, body, headers, timeoutMs);
      if (status >= 200 && status < 300) return;
      last = new Error(`HTTP ${status}`);
      retryable = status === 408 || status === 429 || status >= 500;
    } catch (error) {
      last = error;
      // A refused address (or a URL that is not one) is refused again: no point in trying.
      const code = (error as { code?: unknown } | null)?.code;
      retryable = code !== 'BLOCKED_ADDRESS' && code !== 'BAD_URL';
    }
    if (!retryable) break;
  }
  const reason = last instanceof Error ? last.message : String(last);
  throw new WebhookError(`Webhook for ${event.id} to ${shownWebhookUrl(url)} not delivered: ${reason}`, retryable, { cause: last });
}
