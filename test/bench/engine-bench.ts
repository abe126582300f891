/**
 * `npm run bench`: the fetch engine's benchmark. For each scenario it starts the
 * target server (pinned to core 1), writes the URL file, then runs the engine CLI
 * and the undici + p-limit baseline, each in its own process pinned to core 0,
 * alternating so they share the same noise, and prints medians side by side with
 * the targets. A missed target is reported, never an error: the exit code is
 * non-zero only when the harness or a client crashed. See README-section.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BenchUsageError, parseBenchOptions, USAGE, type BenchOptions } from './bench-options';
import { clientPaths, engineCliExists, runClient, type ClientPaths } from './bench-clients';
import { diagnoseRecords, formatDiagnosis } from './bench-diagnose';
import { choosePinning, killAllChildren, startTargetServer, type Pinning, type ServerArrivals } from './bench-processes';
import { reportScenario, type ClientRuns, type Verdict } from './bench-report';
import { measureRateRun, reportRateScenario } from './rate-report';
import {
  benchHostName,
  CLIENT_KINDS,
  hangPlan,
  idealRequestsPerSecond,
  interleaveHosts,
  isBodyScenario,
  rateIdealMs,
  scaledHostCount,
  scaledHostUrls,
  scaledUrlCount,
  type ClientKind,
  type RateLimited,
  type Scenario,
  unhealthyPathAt,
} from './scenarios';
import { runStartupScenario } from './startup-bench';
import { writeUrlFile } from './url-file';
import { buildCli } from '../support/build-cli';
import { startLoopbackDnsServer, type LoopbackDnsServer } from '../support/loopback-dns-server';

const MIB = 1024 * 1024;

function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function loadLine(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}

/** Generous wall-clock limit for one client run: a stuck client must not stall the benchmark. */
function runLimitMs(scenario: Scenario, count: number, scale: number): number {
  const ideal = idealRequestsPerSecond(scenario, count);
  const expectedS =
    scenario.rateLimited !== undefined
      ? rateIdealMs(scenario.rateLimited, scale) / 1000
      : isBodyScenario(scenario)
        ? (count * scenario.bodyBytes) / (100 * MIB)
        : count / (ideal ?? 1000);
  return Math.round((60 + 10 * expectedS) * 1000);
}

function describeScenario(scenario: Scenario, count: number, runs: number, scale: number): string {
  const ideal = idealRequestsPerSecond(scenario, count);
  const idealText =
    scenario.rateLimited !== undefined
      ? `hosts ${scaledHostUrls(scenario.rateLimited, scale)
          .map((n) => n.toLocaleString('en-US'))
          .join(' + ')} URLs, ` +
        `interleaved; ideal ${(rateIdealMs(scenario.rateLimited, scale) / 1000).toFixed(2)} s rate-limited (the slowest host's (n − 1)/rate)`
      : ideal === null
        ? 'no latency: the client CPU is the limit'
        : `ideal ${Math.round(ideal).toLocaleString('en-US')} req/s (${(count / ideal).toFixed(2)} s, a perfect client)`;
  const hangs = hangPlan(scenario, count);
  const hangText =
    hangs.every === 0
      ? ''
      : `; ${hangs.count} hanging URLs (1 in ${hangs.every} of the first ${hangs.until}, ` +
        (hangs.tailFree
          ? 'none in the last timeout window)'
          : 'too few URLs for a hang-free tail: the last hangs set the end, for the ideal too)');
  return `== ${scenario.id}: ${scenario.title}; ${count.toLocaleString('en-US')} URLs, ${runs} run(s); ${idealText}${hangText}`;
}

async function runScenario(
  scenario: Scenario,
  clients: readonly ClientKind[],
  options: BenchOptions,
  env: { paths: ClientPaths; pinning: Pinning; tmp: string },
): Promise<{ results: Map<ClientKind, ClientRuns>; crashed: boolean }> {
  const count = scaledUrlCount(scenario, options.scale);
  const runs = scenario.repeat ? options.runs : 1;
  log(describeScenario(scenario, count, runs, options.scale));
  const results = new Map<ClientKind, ClientRuns>(
    clients.map((kind) => [kind, { summaries: [], connections: [], serverBusy: [], failures: [], dns: [], rates: [] }]),
  );
  const { manyHosts, rateLimited, unhealthy } = scenario;
  const names = scaledHostCount(scenario, options.scale);
  // The bench's own DNS server, in this process: every name is 127.0.0.1 (AAAA: none).
  const dns: LoopbackDnsServer | null =
    names === 0
      ? null
      : await startLoopbackDnsServer(() => ({
          addresses: ['127.0.0.1'],
          ttl: manyHosts?.ttlS ?? 300,
          delayMs: manyHosts?.dnsDelayMs ?? 0,
        }));
  if (dns !== null) log(`  ${names.toLocaleString('en-US')} host names, DNS server ${dns.address}`);
  let crashed = false;
  const server = await startTargetServer(
    env.pinning.server,
    {
      latencyMs: scenario.latencyMs,
      jitterMs: Math.round(scenario.latencyMs * options.jitter),
      bodyBytes: scenario.bodyBytes,
      ...(rateLimited !== undefined && {
        // Each host's robots.txt: the slow host's Crawl-delay is how it gets its own rate.
        robots: new Map(rateLimited.hosts.flatMap((h, i) => (h.crawlDelayS === null ? [] : [[benchHostName(i), h.crawlDelayS] as const]))),
        recordArrivals: true,
      }),
      ...(unhealthy !== undefined && { sporadic503Pct: unhealthy.sharePct }),
    },
    env.paths.root,
  );
  try {
    const order = rateLimited === undefined ? null : interleaveHosts(scaledHostUrls(rateLimited, options.scale));
    const hostOf = order !== null ? (i: number) => order[i]! : names > 0 ? (i: number) => i % names : undefined;
    // Every client reads one file; with 503s each reads its own (the same URLs, other path kinds).
    const urlFiles = new Map<ClientKind, string>();
    if (unhealthy === undefined) {
      const shared = join(env.tmp, `urls-${scenario.id}.txt`);
      await writeUrlFile(shared, server.port, count, hangPlan(scenario, count), hostOf);
      for (const kind of clients) urlFiles.set(kind, shared);
    } else {
      for (const [n, kind] of clients.entries()) {
        const file = join(env.tmp, `urls-${scenario.id}-${n}.txt`);
        await writeUrlFile(file, server.port, count, hangPlan(scenario, count), hostOf, (i) => unhealthyPathAt(unhealthy, kind, i));
        urlFiles.set(kind, file);
      }
    }
    for (let r = 0; r < runs; r += 1) {
      // Alternate the order so that neither client always runs first after a pause.
      const order = r % 2 === 0 ? clients : [...clients].reverse();
      for (const kind of order) {
        const before = await server.stats();
        if (rateLimited !== undefined) await server.arrivals(); // starts the record afresh
        dns?.queries.clear();
        const diagnose = options.diagnose && kind !== CLIENT_KINDS.BASELINE;
        const outFile = diagnose ? join(env.tmp, `records-${scenario.id}.jsonl`) : '/dev/null';
        const run = await runClient(kind, scenario, {
          port: server.port,
          urlFile: urlFiles.get(kind)!,
          outFile,
          prefix: env.pinning.client,
          limitMs: runLimitMs(scenario, count, options.scale),
          paths: env.paths,
          hostBurst: options.hostBurst,
          ...(dns !== null && { dns: { server: dns.address, names } }),
        });
        const after = await server.stats();
        const slot = results.get(kind)!;
        if (run.ok) {
          const s = run.summary;
          slot.summaries.push(s);
          slot.connections.push(after.connections - before.connections);
          slot.serverBusy.push((after.cpuMs - before.cpuMs) / (s.elapsed_s * 1000));
          const dnsText = dns === null ? '' : recordDns(slot, dns);
          const rateText = rateLimited === undefined ? '' : recordRates(slot, await server.arrivals(), rateLimited);
          const unavailableText = unhealthy === undefined ? '' : `, 503s answered ${after.unavailable - before.unavailable}`;
          log(
            `  run ${r + 1}/${runs} ${kind}: ${Math.round(s.requests_per_s)} req/s, ` +
              `${s.cpu_us_per_request.toFixed(1)} µs CPU/req, ${s.max_rss_mib.toFixed(1)} MiB RSS, ` +
              `${s.elapsed_s.toFixed(2)} s, ok ${s.ok} failed ${s.failed}${unavailableText}${dnsText}${rateText}`,
          );
          if (diagnose) {
            log(`    ${formatDiagnosis(await diagnoseRecords(outFile, scenario.concurrency, s.elapsed_s))}`);
          }
        } else {
          crashed = true;
          slot.failures.push(run.reason);
          log(`  run ${r + 1}/${runs} ${kind}: FAILED ${run.reason}`);
        }
      }
    }
  } finally {
    await server.stop();
    await dns?.close();
  }
  return { results, crashed };
}

/** Notes the DNS queries of the run that just ended; returns them for its log line. */
function recordDns(slot: ClientRuns, dns: LoopbackDnsServer): string {
  const total = dns.total();
  const maxPerName = Math.max(0, ...dns.queries.values());
  slot.dns.push({ total, maxPerName });
  return `, DNS queries ${total} (at most ${maxPerName} for one name and type)`;
}

/** Notes each host's rate in the run that just ended, as the server saw it; returns them for its log line. */
function recordRates(slot: ClientRuns, arrivals: ServerArrivals, rateLimited: RateLimited): string {
  const run = measureRateRun(arrivals, rateLimited);
  slot.rates.push(run);
  const rates = run.hosts.map((h) => `${h.achieved.toFixed(2)} (${h.errorPct >= 0 ? '+' : ''}${h.errorPct.toFixed(2)}%)`);
  return `\n    req/s per host as the server saw them: ${rates.join(', ')}`;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(argv);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    log(USAGE);
    return 0;
  }

  const started = performance.now();
  const paths = clientPaths(resolve(__dirname, '..', '..'));
  const pinning = choosePinning();
  const hasEngine = engineCliExists(paths);
  // The bin runs dist/fanout.cjs: build it from these sources, never a stale one.
  if (hasEngine) buildCli();
  log(`fanout engine benchmark — ${new Date().toISOString()}, node ${process.version}`);
  log(`nproc ${availableParallelism()}; loadavg at start ${loadLine()}; ${pinning.description}`);
  log(
    `runs ${options.runs}, scale ${options.scale}, latency jitter ±${options.jitter * 100}%${options.hostBurst === null ? '' : `, R with --host-burst ${options.hostBurst}`}; scenarios ${options.scenarios.map((s) => s.id).join(',')}`,
  );
  if (!hasEngine) log('engine CLI not found (src/cli/main.ts): engine columns are skipped, baseline only');
  log();

  const tmp = mkdtempSync(join(tmpdir(), 'fanout-bench-'));
  // Also on a signal, which exits without unwinding the finally below.
  process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
  const verdicts: Verdict[] = [];
  let crashed = false;
  try {
    if (options.startup && hasEngine) {
      log('== S: start-up, one URL: the fanout bin beside a plain Node script that imports undici and fetches it');
      const outcome = await runStartupScenario({ root: paths.root, tmp, pinning });
      verdicts.push(outcome.verdict);
      log(outcome.text);
      log();
    }
    for (const scenario of options.scenarios) {
      const clients = scenario.clients.filter((kind) => hasEngine || kind === CLIENT_KINDS.BASELINE);
      if (clients.length === 0) {
        log(`== ${scenario.id}: ${scenario.title}: skipped (it measures only the engine, whose CLI is missing)\n`);
        continue;
      }
      const outcome = await runScenario(scenario, clients, options, { paths, pinning, tmp });
      crashed ||= outcome.crashed;
      const { text, verdict } =
        scenario.rateLimited !== undefined
          ? reportRateScenario(scenario, outcome.results)
          : reportScenario(scenario, scaledUrlCount(scenario, options.scale), outcome.results);
      verdicts.push(verdict);
      log(text);
      log();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  for (const scenario of options.skipped) {
    log(`${scenario.id} (${scenario.title}) skipped: run it with \`npm run bench -- --rss\` (or --all, or --only ${scenario.id})`);
  }
  log('== summary');
  for (const v of verdicts) log(`  ${v.scenario}: ${v.target}: measured ${v.measured} → ${v.result}`);
  log(`loadavg at end ${loadLine()}; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (crashed) log('some client runs failed (see above): exit code 1');
  return crashed ? 1 : 0;
}

// Whatever ends the harness, no server or client may outlive it.
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`engine-bench crashed: ${(error as Error).stack ?? String(error)}\n`);
    killAllChildren();
    process.exitCode = 1;
  },
);
