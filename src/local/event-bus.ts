import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One event as the local bus received it. */
export interface BusEvent {
  readonly source: string;
  readonly detailType: string;
  readonly busName: string;
  readonly detail: unknown;
  readonly receivedAt: number;
}

/** A running local event bus. */
export interface LocalEventBus {
  /** Endpoint for the EventBridge client, e.g. `http://127.0.0.1:43121`. */
  readonly endpoint: string;
  /** Every event received so far, oldest first. */
  events(): readonly BusEvent[];
  /** Makes the next `n` PutEvents calls fail (a 500), to test that publishing is retried. */
  failNext(n: number): void;
  close(): Promise<void>;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * EventBridge's `PutEvents` on loopback, for the local stack: fauxqs and dynalite have
 * no event bus, and the functions publish through the real SDK client, so they get an
 * endpoint that speaks the same JSON protocol (`X-Amz-Target: AWSEvents.PutEvents`)
 * and keeps what it receives for the tests and `npm start` to read. Nothing is routed
 * to targets.
 */
export async function startLocalEventBus(): Promise<LocalEventBus> {
  const received: BusEvent[] = [];
  let failures = 0;
  const server = createServer((req, res) => {
    readBody(req).then(
      (text) => {
        if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
          reply(res, 400, { __type: 'UnknownOperationException', message: `not supported: ${String(req.headers['x-amz-target'])}` });
          return;
        }
        if (failures > 0) {
          failures -= 1;
          reply(res, 500, { __type: 'InternalException', message: 'injected failure (local event bus)' });
          return;
        }
        const entries = (JSON.parse(text) as { Entries?: Record<string, string>[] }).Entries ?? [];
        for (const entry of entries) {
          received.push({
            source: entry['Source'] ?? '',
            detailType: entry['DetailType'] ?? '',
            busName: entry['EventBusName'] ?? 'default',
            detail: JSON.parse(entry['Detail'] ?? 'null') as unknown,
            receivedAt: Date.now(),
          });
        }
        reply(res, 200, { Entries: entries.map(() => ({ EventId: randomUUID() })), FailedEntryCount: 0 });
      },
      () => reply(res, 400, { __type: 'SerializationException', message: 'unreadable body' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events: () => [...received],
    failNext: (n) => {
      failures += n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
