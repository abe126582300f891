import type { JobLedger } from './job-ledger';
import type { EventPublisher } from './ports';

/**
 * Announces a job's end once it has ended and nobody has yet: publishes one event and
 * then marks it announced. Called by whoever may have ended the job (the delivery whose
 * count closed its last group, the splitter that failed it, a cancel) and again by every
 * repeat of that delivery, so an announcement lost to a crash is made by the repeat:
 * at least once, with the same event id each time.
 */
export async function announceEnd(ledger: JobLedger, events: EventPublisher, jobId: string, now: number): Promise<void> {
  const event = await ledger.pendingAnnouncement(jobId, now);
  if (event === undefined) return;
  await events.publishJobEnded(event);
  await ledger.markAnnounced(event);
}
