/**
 * The target of scenario K (`npm run bench`, responses kept): a loopback HTTP server
 * whose every answer is distinct, so content addressing cannot write one body once
 * for all URLs. `/json/<i>` is a 1 KiB JSON object; `/body/<bytes>/<i>` is `bytes`
 * of body beginning with its index. The large part of each body is one shared buffer
 * written after a per-URL prefix, so the server spends little CPU making them.
 *
 * Prints `{"port": N}` once listening; stops when its stdin ends.
 */
import { createServer } from 'node:http';

const fillers = new Map<number, Buffer>();
const filler = (bytes: number): Buffer => {
  let buffer = fillers.get(bytes);
  if (buffer === undefined) {
    buffer = Buffer.alloc(bytes, 0x61);
    fillers.set(bytes, buffer);
  }
  return buffer;
};
const JSON_PAD = 'x'.repeat(1024 - 60);

const server = createServer((req, res) => {
  const parts = (req.url ?? '/').split('/');
  if (parts[1] === 'json') {
    const body = `{"id":${Number(parts[2])},"ok":true,"pad":"${JSON_PAD}"}`;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const bytes = Number(parts[2]);
  const prefix = `${parts[3]}:`.padEnd(32, ' ');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  res.write(prefix);
  res.end(filler(bytes - prefix.length));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
