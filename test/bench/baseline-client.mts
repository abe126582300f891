/**
 * The benchmark's baseline: what a careful user writes by hand with undici and
 * p-limit to fetch a list of URLs. One unbounded-per-origin Agent (like the
 * engine's), a global concurrency cap, undici's own headers/body timeouts set to
 * the scenario's timeout, each body streamed and its bytes counted
 * (`for await (const chunk of body)`: no copy into one buffer, no hashing), and
 * status codes counted.
 *
 * After the run it prints the same one-line JSON summary as `fanout fetch --json`;
 * elapsed time and CPU cover only the requests (from the first request to the last
 * result), not start-up or reading the URL file.
 *
 * Host names are resolved with c-ares (`dns.promises.Resolver`) at the server given
 * by `--dns-server` on each new connection, as undici does with `dns.lookup` but
 * without the thread pool; without `--dns-server` a name fails (the bench must never
 * ask the machine's DNS servers). IP literals need no lookup.
 *
 * With `--ca FILE` (HTTPS scenarios) it also trusts that CA; undici's connector keeps
 * TLS sessions per server name (100 of them) by itself.
 *
 * Run: `node --import tsx test/bench/baseline-client.mts --concurrency 64 --timeout-ms 30000 [--dns-server 127.0.0.1:5353] [--ca ca.pem] urls.txt`
 * (an .mts file because p-limit is ESM-only and the run uses top-level await).
 */
import { Resolver } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { measureRun } from './measured-run.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    concurrency: { type: 'string', default: '64' },
    'timeout-ms': { type: 'string', default: '30000' },
    'dns-server': { type: 'string' },
    ca: { type: 'string' },
  },
});

const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
const file = positionals[0];
if (file === undefined || !Number.isInteger(concurrency) || concurrency < 1 || !Number.isInteger(timeoutMs) || timeoutMs < 1) {
  process.stderr.write('usage: baseline-client.mts --concurrency N --timeout-ms MS <url-file>\n');
  process.exit(2);
}

const urls = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '');

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

/** `net.connect`'s `lookup`, on the bench's own DNS server only. */
function lookupVia(server: string | undefined) {
  const resolver = new Resolver();
  if (server !== undefined) resolver.setServers([server]);
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (server === undefined) {
      callback(Object.assign(new Error(`no --dns-server to resolve ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    resolver.resolve4(hostname).then(
      (addresses) => {
        if (options.all === true)
          callback(
            null,
            addresses.map((address) => ({ address, family: 4 })),
          );
        else callback(null, addresses[0] ?? '', 4);
      },
      (error: Error) => callback(error, []),
    );
  };
}

const agent = new Agent({
  connections: null,
  headersTimeout: timeoutMs,
  bodyTimeout: timeoutMs,
  connect: {
    lookup: lookupVia(values['dns-server']),
    // HTTPS scenarios: the bench's CA besides the default roots, in one context made once.
    ...(values.ca !== undefined && {
      secureContext: createSecureContext({ ca: [...rootCertificates, await readFile(values.ca, 'utf8')] }),
    }),
  },
});
const limit = pLimit(concurrency);

let ok = 0;
let failed = 0;
let bytes = 0;
const statuses: Record<string, number> = {};
const errors: Record<string, number> = {};

async function fetchOne(url: string): Promise<void> {
  try {
    const { statusCode, body } = await request(url, { dispatcher: agent });
    for await (const chunk of body) bytes += (chunk as Buffer).length;
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) ok += 1;
    else failed += 1;
  } catch (error) {
    failed += 1;
    const code = (error as { code?: string }).code ?? 'UNKNOWN';
    errors[code] = (errors[code] ?? 0) + 1;
  }
}

await measureRun(
  () => Promise.all(urls.map((url) => limit(() => fetchOne(url)))).then(() => undefined),
  () => ({ total: urls.length, ok, failed, bytes, extra: { statuses, errors } }),
);
// Hung requests may still hold sockets; do not wait for a graceful close.
await agent.destroy();
