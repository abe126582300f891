import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, JobEndedEvent } from '../jobs/ports';

/** The `source` of fanout's events, for EventBridge rules. */
export const EVENT_SOURCE = 'fanout';

/** `detail-type` of a job's end. */
export const JOB_ENDED = 'Job Ended';

/** Publishes job events to one EventBridge bus; a rejected entry throws, so the caller's delivery is retried. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publishJobEnded(event: JobEndedEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: this.busName, Source: EVENT_SOURCE, DetailType: JOB_ENDED, Detail: JSON.stringify(event) }],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new Error(`EventBridge refused the event ${event.id}: ${entry?.ErrorCode ?? ''} ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
