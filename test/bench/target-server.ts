/**
 * The benchmark's target: a keep-alive HTTP server run in its own process (the
 * harness pins it to the other core) so that it never competes with the client
 * being measured. Behaviour is chosen by the path's first letter, so every client
 * fed the same URL file sees exactly the same hangs:
 *
 * - `/h...`: the request is read and never answered; the socket is held until the
 *   client gives up on it.
 * - anything else: after `--latency-ms` (± up to `--jitter-ms`, uniform), a 200
 *   with `--body-bytes` of body.
 *
 * On start it prints one JSON line `{"port":N}` on stdout. Each line `stats` on
 * stdin is answered with `{"requests":N,"hung":N,"connections":N,"cpuMs":N}` (cpuMs:
 * the server's CPU time, so the harness can tell whether the server kept up); end of stdin
 * (the parent exited or closed the pipe) stops the server, so it cannot outlive
 * the harness.
 *
 * Run: `node --import tsx test/bench/target-server.ts --latency-ms 50 --body-bytes 64`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const CHAR_H = 'h'.charCodeAt(0);

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '0' },
    'body-bytes': { type: 'string', default: '64' },
    'jitter-ms': { type: 'string', default: '0' },
  },
});

const latencyMs = Number(values['latency-ms']);
const bodyBytes = Number(values['body-bytes']);
const jitterMs = Number(values['jitter-ms']);
for (const [name, value] of [
  ['--latency-ms', latencyMs],
  ['--body-bytes', bodyBytes],
  ['--jitter-ms', jitterMs],
] as const) {
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`target-server: expected ${name} to be an integer >= 0, got ${value}\n`);
    process.exit(2);
  }
}
if (jitterMs > latencyMs) {
  process.stderr.write(`target-server: expected --jitter-ms to be at most --latency-ms, got ${jitterMs}\n`);
  process.exit(2);
}

// Allocated once: the handler must cost next to nothing per request.
const BODY = Buffer.alloc(bodyBytes, 0x61);
// Flat [name, value, ...] form: writeHead skips building a header object.
const HEADERS: string[] = ['content-type', 'application/octet-stream', 'content-length', String(bodyBytes)];

let requests = 0;
let hung = 0;
let connections = 0;

function respond(res: ServerResponse): void {
  res.writeHead(200, HEADERS);
  res.end(BODY);
}

/**
 * A delay line that answers at the nominal latency to within about 0.1 ms. A plain
 * `setTimeout(respond, latency)` fires up to a millisecond or two late (libuv keeps
 * time in whole milliseconds and the loop is busy), which at 20 ms is 5–10% of the
 * ideal charged to every client alike: the figure would measure the server, not the
 * client. With one latency for every request the due times arrive in order, so one
 * FIFO and one timer serve them all: the timer wakes us 2 ms early, then
 * `setImmediate` turns (which still let I/O in) until the head is due.
 */
const delayed: { due: number; res: ServerResponse }[] = [];
let delayedHead = 0;
let armed = false;

function delay(res: ServerResponse, ms: number): void {
  delayed.push({ due: performance.now() + ms, res });
  if (!armed) arm();
}

function arm(): void {
  const head = delayed[delayedHead];
  if (head === undefined) {
    armed = false;
    delayed.length = 0;
    delayedHead = 0;
    return;
  }
  armed = true;
  const wait = head.due - performance.now();
  if (wait > 3) setTimeout(arm, wait - 2);
  else setImmediate(flushDue);
}

function flushDue(): void {
  const now = performance.now();
  for (let head = delayed[delayedHead]; head !== undefined && head.due <= now; head = delayed[delayedHead]) {
    delayed[delayedHead] = undefined as never;
    delayedHead += 1;
    if (!head.res.destroyed) respond(head.res);
  }
  if (delayedHead > 4096 && delayedHead * 2 > delayed.length) {
    delayed.splice(0, delayedHead);
    delayedHead = 0;
  }
  arm();
}

const server = createServer(
  {
    // Connections are to be reused for the whole run: a long keep-alive (and no
    // cap on requests per socket, set below), and no server-side timeouts that could cut a
    // hung request before the client's own timeout does.
    keepAlive: true,
    keepAliveTimeout: 60_000,
    requestTimeout: 0,
    headersTimeout: 60_000,
    noDelay: true,
  },
  (req: IncomingMessage, res: ServerResponse) => {
    requests += 1;
    if (req.url?.charCodeAt(1) === CHAR_H) {
      hung += 1;
      return;
    }
    // Jitter is uniform in [-jitter, +jitter], so the mean (and the ideal) stays at latency.
    if (jitterMs > 0) setTimeout(respond, latencyMs + Math.round((Math.random() * 2 - 1) * jitterMs), res);
    else if (latencyMs > 0) delay(res, latencyMs);
    else respond(res);
  },
);
server.keepAliveTimeout = 60_000;
server.maxRequestsPerSocket = 0; // 0: no cap
server.on('connection', () => {
  connections += 1;
});
// A client that gives up on a hung request resets its socket; that is expected.
server.on('clientError', (_err, socket) => {
  socket.destroy();
});

server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

const stdin = createInterface({ input: process.stdin });
stdin.on('line', (line) => {
  if (line.trim() === 'stats') {
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(`${JSON.stringify({ requests, hung, connections, cpuMs })}\n`);
  }
});
stdin.on('close', () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
});
