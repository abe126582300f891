/**
 * The benchmark's target: a keep-alive HTTP server run in its own process (the
 * harness pins it to the other core) so that it never competes with the client
 * being measured. Behaviour is chosen by the path's first letter, so every client
 * fed the same URL file sees exactly the same hangs:
 *
 * - `/h...`: the request is read and never answered; the socket is held until the
 *   client gives up on it.
 * - `/b...`: a broken page: after the latency, always a 503 (no `Retry-After`).
 * - `/s...`: after the latency, a 503 with a probability of `--sporadic-503-pct` %,
 *   else as any other path.
 * - anything else: after `--latency-ms` (± up to `--jitter-ms`, uniform), a 200
 *   with `--body-bytes` of body.
 *
 * It speaks just enough HTTP/1.1 over raw `net` sockets (find the end of each
 * request's head, answer with one precomputed buffer): Node's http module costs
 * 40-60 µs a request, which at 10,000 requests a second made the server's own
 * event-loop batches part of every client's latency. Keep-alive, no request bodies
 * (the clients only GET), one request at a time per connection.
 *
 * - `/robots.txt`, with `--robots`: at once, a 200 with `User-agent: *`, `Allow: /`
 *   and, for a host named in `--crawl-delay HOST=SECONDS` (repeatable), that
 *   `Crawl-delay`.
 *
 * With `--record-arrivals` it notes when each request's head arrived
 * (`performance.now()`, ms), per name of its `Host` header: a line `arrivals` on
 * stdin is answered with `{"first":MS,"hosts":{"NAME":[MS,...]},"robots":N}` (first:
 * the earliest request of any kind, robots.txt included, or null; robots: the
 * robots.txt requests, which are not in `hosts`), and the record starts afresh.
 *
 * On start it prints one JSON line `{"port":N}` on stdout. Each line `stats` on
 * stdin is answered with `{"requests":N,"hung":N,"unavailable":N,"connections":N,"cpuMs":N}` (cpuMs:
 * the server's CPU time, so the harness can tell whether the server kept up); end of stdin
 * (the parent exited or closed the pipe) stops the server, so it cannot outlive
 * the harness.
 *
 * Run: `node --import tsx test/bench/target-server.ts --latency-ms 50 --body-bytes 64`
 * (or `... --robots --crawl-delay h5.bench.test=0.2 --record-arrivals`)
 */
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const CHAR_H = 'h'.charCodeAt(0);
const CHAR_B = 'b'.charCodeAt(0);
const CHAR_S = 's'.charCodeAt(0);

const { values } = parseArgs({
  options: {
    'latency-ms': { type: 'string', default: '0' },
    'body-bytes': { type: 'string', default: '64' },
    'jitter-ms': { type: 'string', default: '0' },
    robots: { type: 'boolean', default: false },
    'crawl-delay': { type: 'string', multiple: true, default: [] },
    'record-arrivals': { type: 'boolean', default: false },
    'sporadic-503-pct': { type: 'string', default: '0' },
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
const sporadic503 = Number(values['sporadic-503-pct']) / 100;
if (!(sporadic503 >= 0 && sporadic503 <= 1)) {
  process.stderr.write(`target-server: expected --sporadic-503-pct to be from 0 to 100, got ${values['sporadic-503-pct']}\n`);
  process.exit(2);
}
if (jitterMs > latencyMs) {
  process.stderr.write(`target-server: expected --jitter-ms to be at most --latency-ms, got ${jitterMs}\n`);
  process.exit(2);
}

/** `Crawl-delay` seconds by host name, from `--crawl-delay NAME=SECONDS`. */
const crawlDelays = new Map<string, number>();
for (const entry of values['crawl-delay']) {
  const [name, seconds] = entry.split('=');
  const delay = Number(seconds);
  if (name === undefined || name === '' || !(delay > 0)) {
    process.stderr.write(`target-server: expected --crawl-delay to be NAME=SECONDS (SECONDS > 0), got ${entry}\n`);
    process.exit(2);
  }
  crawlDelays.set(name.toLowerCase(), delay);
}
const servesRobots = values.robots;
const recordsArrivals = values['record-arrivals'];

// The whole response, allocated once: answering costs one write.
const RESPONSE = Buffer.concat([
  Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n' + `content-length: ${bodyBytes}\r\nconnection: keep-alive\r\n\r\n`,
    'latin1',
  ),
  Buffer.alloc(bodyBytes, 0x61),
]);

const UNAVAILABLE = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\nunavailable',
  'latin1',
);

/** Each host's robots.txt answer, built on first ask. */
const robotsResponses = new Map<string, Buffer>();

function robotsResponse(host: string): Buffer {
  let response = robotsResponses.get(host);
  if (response === undefined) {
    const delay = crawlDelays.get(host);
    const body = `User-agent: *\nAllow: /\n${delay === undefined ? '' : `Crawl-delay: ${delay}\n`}`;
    response = Buffer.from(
      'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: keep-alive\r\n\r\n${body}`,
      'latin1',
    );
    robotsResponses.set(host, response);
  }
  return response;
}

/** The `Host` header's name, lowercase, without the port; '' when there is none. */
function hostOf(head: string): string {
  return /\r\nhost:[ \t]*([^\r:]*)/i.exec(head)?.[1]?.toLowerCase() ?? '';
}

/** `--record-arrivals`: arrival times (ms) of the requests since the last `arrivals` line, by host. */
let arrivals = new Map<string, number[]>();
let firstArrival: number | null = null;
let robotsArrivals = 0;

let requests = 0;
let hung = 0;
let unavailable = 0;
let connections = 0;

function respond(socket: Socket, response: Buffer = RESPONSE): void {
  if (!socket.destroyed) socket.write(response);
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
const delayed: ({ due: number; socket: Socket; response: Buffer } | undefined)[] = [];
let delayedHead = 0;
let armed = false;

function delay(socket: Socket, ms: number, response: Buffer): void {
  delayed.push({ due: performance.now() + ms, socket, response });
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
    delayed[delayedHead] = undefined;
    delayedHead += 1;
    respond(head.socket, head.response);
  }
  if (delayedHead > 4096 && delayedHead * 2 > delayed.length) {
    delayed.splice(0, delayedHead);
    delayedHead = 0;
  }
  arm();
}

/** One complete request head: hang it, or answer after the latency. */
function onRequest(socket: Socket, head: string): void {
  requests += 1;
  const path = head.indexOf(' ') + 1;
  if (servesRobots || recordsArrivals) {
    const now = performance.now();
    const host = hostOf(head);
    const isRobots = servesRobots && head.startsWith('/robots.txt ', path);
    if (recordsArrivals) {
      firstArrival ??= now;
      if (isRobots) robotsArrivals += 1;
      else {
        const times = arrivals.get(host);
        if (times === undefined) arrivals.set(host, [now]);
        else times.push(now);
      }
    }
    if (isRobots) {
      if (!socket.destroyed) socket.write(robotsResponse(host));
      return;
    }
  }
  if (head.charCodeAt(path + 1) === CHAR_H) {
    hung += 1; // never answered; the client gives up and closes the socket
    return;
  }
  const kind = head.charCodeAt(path + 1);
  const fails = kind === CHAR_B || (kind === CHAR_S && Math.random() < sporadic503);
  if (fails) unavailable += 1;
  const response = fails ? UNAVAILABLE : RESPONSE;
  // Jitter is uniform in [-jitter, +jitter], so the mean (and the ideal) stays at latency.
  if (jitterMs > 0) setTimeout(respond, latencyMs + Math.round((Math.random() * 2 - 1) * jitterMs), socket, response);
  else if (latencyMs > 0) delay(socket, latencyMs, response);
  else respond(socket, response);
}

const server = createServer({ noDelay: true }, (socket) => {
  connections += 1;
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
      onRequest(socket, pending.slice(0, end));
      pending = pending.slice(end + 4);
    }
  });
  // A client that gives up on a hung request resets its socket; that is expected.
  socket.on('error', () => socket.destroy());
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
    process.stdout.write(`${JSON.stringify({ requests, hung, unavailable, connections, cpuMs })}\n`);
  } else if (line.trim() === 'arrivals') {
    const hosts = Object.fromEntries([...arrivals].map(([host, times]) => [host, times.map((t) => Math.round(t * 1000) / 1000)]));
    process.stdout.write(`${JSON.stringify({ first: firstArrival, hosts, robots: robotsArrivals })}\n`);
    arrivals = new Map();
    firstArrival = null;
    robotsArrivals = 0;
  }
});
stdin.on('close', () => {
  server.close();
  process.exit(0);
});
