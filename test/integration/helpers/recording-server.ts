import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from './loopback-server';

/** One request a {@link RecordingServer} received, body included. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A loopback server that keeps every request it received (method, path, headers, body), in order. */
export interface RecordingServer extends LoopbackServer {
  readonly received: ReceivedRequest[];
  /** Requests for `path` (its query included). */
  to(path: string): ReceivedRequest[];
}

/**
 * Starts a loopback server that reads each request's body in full, records it, and
 * then calls `respond` with what it received.
 */
export async function startRecordingServer(
  respond: (request: ReceivedRequest, res: ServerResponse, req: IncomingMessage) => void,
): Promise<RecordingServer> {
  const received: ReceivedRequest[] = [];
  const server = await startLoopbackServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(request);
      respond(request, res, req);
    });
  });
  return Object.assign(server, { received, to: (path: string) => received.filter((r) => r.path === path) });
}
