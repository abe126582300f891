import { createServer, type Server, type Socket } from 'node:net';

/** A test server listening on 127.0.0.1. */
export interface LoopbackListener {
  readonly port: number;
  /** `http://127.0.0.1:<port>` (for an HTTPS server, `https:` is the caller's to use). */
  readonly origin: string;
  /** Destroys open connections (a hanging handler cannot keep a test alive), then closes. */
  close(): Promise<void>;
}

/**
 * Starts `server` (net, http or https) on 127.0.0.1 at a free port and tracks its
 * connections so that `close` ends promptly. Test servers never listen anywhere else.
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackListener> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening: connections to it are refused at once. */
export async function closedLoopbackPort(): Promise<number> {
  const listener = await listenOnLoopback(createServer());
  await listener.close();
  return listener.port;
}
