/**
 * A child process for the socket-budget test: fetches `count` URLs, one per host
 * name `h<i>.test` (all answered 127.0.0.1 by a fixed table, never real DNS), from
 * the parent's loopback server on `port`, with `retries` (default 0) and the engine's
 * default socket budget unless `maxSockets` is given, and prints one JSON line: the
 * run's summary and the most sockets open at once. The parent runs it under
 * `ulimit -n`, as AWS Lambda's 1,024.
 *
 * Run: `bash -c 'ulimit -n 1024 && exec node --import tsx many-hosts-child.ts <port> <count> [retries] [maxSockets]'`
 */
import { resolveEngineConfig } from '../../../src/config/engine-config';
import { createEngine } from '../../../src/fetch/engine';
import { fakeResolver, loopbackOnlyDialer } from './safe-network';

async function main(): Promise<void> {
  const [port, count, retries = 0, maxSockets] = process.argv.slice(2).map(Number) as [number, number, number?, number?];
  const names = Array.from({ length: count }, (_, i) => `h${i}.test`);
  const safe = loopbackOnlyDialer();
  const engine = createEngine(
    resolveEngineConfig({
      concurrency: 200,
      perHost: 8,
      retries,
      ...(maxSockets !== undefined && { maxSockets }),
      allowNet: names.map((name) => `${name}:${port}`),
    }),
    { dial: safe.dial, resolve: fakeResolver(Object.fromEntries(names.map((name) => [name, ['127.0.0.1']]))) },
  );
  const summary = await engine.run(
    names.map((name, i) => ({ url: `http://${name}:${port}/${i}`, line: i + 1 })),
    { onResult: () => undefined },
  );
  await engine.close();
  process.stdout.write(`${JSON.stringify({ summary, maxOpen: safe.sockets.maxOpen, refused: safe.refused.length })}\n`);
}

void main();
