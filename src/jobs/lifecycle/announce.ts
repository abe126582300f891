import type { JobLedger } from '../ledger/job-ledger';
import type { EventPublisher } from '../ports';
import { sendWebhook, WebhookError, type WebhookDelivery } from '../../webhook/webhook';

/** What announcing a job's end needs; `webhooks` is absent where the deployment has no signing secret. */
export interface AnnounceDeps {
  readonly ledger: JobLedger;
  readonly events: EventPublisher;
  readonly webhooks?: WebhookDelivery;
  readonly now: () => number;
}

/**
 * Announces a job's end once it has ended and nobody has yet: publishes one event, POSTs
 * the job's webhook if it asked for one, then marks the end announced. Called by whoever
 * may have ended the job (the delivery whose count closed its last group, the splitter
 * that failed it, a cancel) and again by every repeat of that delivery, so an
 * announcement lost to a crash is made by the repeat: at least once, with the same event
 * id each time.
 *
 * A webhook that fails in a way a retry may fix throws, so the delivery comes back and
 * tries again; one that cannot succeed (a 4xx, a refused address), or that fails on the
 * caller's `lastChance` (the message's last receive, an API call), is recorded on the
 * job instead: the job's records are complete, and its message must not end in a DLQ
 * for a receiver's sake.
 */
export async function announceEnd(deps: AnnounceDeps, jobId: string, lastChance = false): Promise<void> {
  const pending = await deps.ledger.pendingAnnouncement(jobId, deps.now());
  if (pending === undefined) return;
  await deps.events.publishJobEnded(pending.event);
  if (pending.webhook !== undefined) {
    try {
      if (deps.webhooks === undefined) throw new WebhookError('this deployment has no webhook signing secret', false);
      await sendWebhook(deps.webhooks, pending.webhook, pending.event);
    } catch (error) {
      if (!(error instanceof WebhookError) || (error.retryable && !lastChance)) throw error;
      await deps.ledger.recordWebhookFailure(jobId, error.message);
    }
  }
  await deps.ledger.markAnnounced(pending.event);
}
