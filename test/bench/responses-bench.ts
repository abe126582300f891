/**
 * Responses kept (scenario K of `npm run bench`): what `--include-body` and
 * `--bodies DIR` cost, each beside the same run without it, on a server whose every
 * answer is distinct (responses-server.ts). Runs alternate between the two so both
 * see the same noise; the verdicts use medians.
 *
 * - K1: `--include-body` on small (1 KiB) JSON answers: CPU per request within 1.3×.
 * - K2–K4: `--bodies` on many small bodies, 1 MiB and 32 MiB bodies (`--max-bytes`
 *   raised): throughput at least 0.85 of the run without, peak RSS within 1.2×.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseSummary, type ClientSummary } from './bench-clients';
import { runChild, stopByStdin, type Pinning } from './bench-processes';
import { cell, renderTable, spread, type Verdict } from './bench-report';

/** The scenario's id for `--only`. */
export const RESPONSES_ID = 'K';

const MIB = 1024 * 1024;

interface ResponsesCase {
  readonly id: string;
  readonly title: string;
  readonly urls: number;
  /** The fewest URLs whatever the scale. */
  readonly minUrls: number;
  readonly concurrency: number;
  /** The path of URL `i`. */
  readonly path: (i: number) => string;
  /** The flags under test (`dir`: a fresh folder for `--bodies`). */
  readonly flags: (dir: string) => string[];
  /** Flags of both runs. */
  readonly common: readonly string[];
  readonly target: 'cpu' | 'throughput-rss';
}

const CASES: readonly ResponsesCase[] = [
  {
    id: 'K1',
    title: '--include-body, 1 KiB JSON answers, no latency, concurrency 64',
    urls: 100_000,
    minUrls: 1000,
    concurrency: 64,
    path: (i) => `/json/${i}`,
    flags: () => ['--include-body'],
    common: [],
    target: 'cpu',
  },
  {
    id: 'K2',
    title: '--bodies, 16 KiB distinct bodies, concurrency 64',
    urls: 20_000,
    minUrls: 500,
    concurrency: 64,
    path: (i) => `/body/${16 * 1024}/${i}`,
    flags: (dir) => ['--bodies', dir],
    common: [],
    target: 'throughput-rss',
  },
  {
    id: 'K3',
    title: '--bodies, 1 MiB distinct bodies, concurrency 16',
    urls: 400,
    minUrls: 32,
    concurrency: 16,
    path: (i) => `/body/${MIB}/${i}`,
    flags: (dir) => ['--bodies', dir],
    common: [],
    target: 'throughput-rss',
  },
  {
    id: 'K4',
    title: '--bodies, 32 MiB distinct bodies, concurrency 4, --max-bytes 64 MiB',
    urls: 24,
    minUrls: 8,
    concurrency: 4,
    path: (i) => `/body/${32 * MIB}/${i}`,
    flags: (dir) => ['--bodies', dir],
    common: ['--max-bytes', String(64 * MIB)],
    target: 'throughput-rss',
  },
];

/** Runs K1–K4 and returns their report text and verdicts. */
export async function runResponsesScenarios(env: {
  root: string;
  tmp: string;
  pinning: Pinning;
  runs: number;
  scale: number;
  log: (line: string) => void;
}): Promise<{ verdicts: Verdict[]; crashed: boolean }> {
  const server = await startServer(env.pinning.server, env.root);
  const verdicts: Verdict[] = [];
  let crashed = false;
  try {
    for (const scenario of CASES) {
      const count = Math.max(scenario.minUrls, Math.round(scenario.urls * env.scale));
      env.log(
        `== ${scenario.id}: ${scenario.title}; ${count.toLocaleString('en-US')} URLs, ${env.runs} run(s), each beside the run without`,
      );
      const urlFile = join(env.tmp, `urls-${scenario.id}.txt`);
      writeFileSync(
        urlFile,
        Array.from({ length: count }, (_, i) => `http://127.0.0.1:${server.port}${scenario.path(i)}`).join('\n') + '\n',
      );
      const runs = { without: [] as ClientSummary[], with: [] as ClientSummary[] };
      // One unrecorded pass first: the first run after the server starts (its JIT, its buffers) is slower, whichever goes first.
      await runChild(
        env.pinning.client,
        join(env.root, 'src', 'cli', 'fanout.cjs'),
        ['fetch', urlFile, ...clientFlags(scenario, server.port)],
        600_000,
        env.root,
      );
      for (let r = 0; r < env.runs; r += 1) {
        for (const kind of r % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
          const dir = mkdtempSync(join(env.tmp, 'bodies-'));
          const args = ['fetch', urlFile, ...clientFlags(scenario, server.port), ...(kind === 'with' ? scenario.flags(dir) : [])];
          const outcome = await runChild(env.pinning.client, join(env.root, 'src', 'cli', 'fanout.cjs'), args, 600_000, env.root);
          rmSync(dir, { recursive: true, force: true });
          const summary = outcome.code === 0 ? parseSummary(outcome.stdout) : `exited with ${outcome.code}: ${outcome.stderr.slice(-300)}`;
          if (typeof summary === 'string') {
            crashed = true;
            env.log(`  run ${r + 1} ${kind}: FAILED ${summary}`);
            continue;
          }
          runs[kind].push(summary);
          env.log(
            `  run ${r + 1} ${kind === 'with' ? scenario.flags('DIR').join(' ') : 'without'}: ${Math.round(summary.requests_per_s)} req/s, ` +
              `${(summary.bytes / MIB / summary.elapsed_s).toFixed(0)} MiB/s, ${summary.cpu_us_per_request.toFixed(1)} µs CPU/req, ` +
              `${summary.max_rss_mib.toFixed(1)} MiB RSS, ok ${summary.ok}/${summary.total}`,
          );
        }
      }
      const { text, verdict } = report(scenario, runs);
      env.log(text);
      env.log('');
      verdicts.push(verdict);
    }
  } finally {
    await server.stop();
  }
  return { verdicts, crashed };
}

/** The flags of both runs of a case. */
function clientFlags(scenario: ResponsesCase, port: number): string[] {
  return [
    '--concurrency',
    String(scenario.concurrency),
    '--per-host',
    String(scenario.concurrency),
    '--retries',
    '0',
    '--allow-net',
    `127.0.0.1:${port}`,
    '--out',
    '/dev/null',
    '--json',
    '--no-progress',
    ...scenario.common,
  ];
}

function report(scenario: ResponsesCase, runs: { without: ClientSummary[]; with: ClientSummary[] }): { text: string; verdict: Verdict } {
  const figure = (list: ClientSummary[], of: (s: ClientSummary) => number) => spread(list.map(of));
  const throughput = (s: ClientSummary) => s.bytes / MIB / s.elapsed_s;
  const rows = [
    ['', 'req/s', 'MiB/s', 'µs CPU/req', 'peak RSS MiB'],
    ...(['without', 'with'] as const).map((kind) => [
      kind === 'with' ? scenario.flags('DIR')[0]! : 'without',
      cell(
        figure(runs[kind], (s) => s.requests_per_s),
        0,
      ),
      cell(figure(runs[kind], throughput), 0),
      cell(
        figure(runs[kind], (s) => s.cpu_us_per_request),
        1,
      ),
      cell(
        figure(runs[kind], (s) => s.max_rss_mib),
        1,
      ),
    ]),
  ];
  const median = (kind: 'with' | 'without', of: (s: ClientSummary) => number) => figure(runs[kind], of)?.median ?? null;
  const ratio = (of: (s: ClientSummary) => number): number | null => {
    const a = median('with', of);
    const b = median('without', of);
    return a === null || b === null || b === 0 ? null : a / b;
  };
  let verdict: Verdict;
  if (scenario.target === 'cpu') {
    const cpu = ratio((s) => s.cpu_us_per_request);
    verdict = {
      scenario: scenario.id,
      target: 'CPU per request with --include-body ≤ 1.3× without',
      measured: cpu === null ? 'no data' : `${cpu.toFixed(2)}×`,
      result: cpu === null ? 'NO DATA' : cpu <= 1.3 ? 'PASS' : 'MISS',
    };
  } else {
    const speed = ratio(throughput);
    const rss = ratio((s) => s.max_rss_mib);
    verdict = {
      scenario: scenario.id,
      target: 'throughput with --bodies ≥ 0.85× without, peak RSS ≤ 1.2×',
      measured: speed === null || rss === null ? 'no data' : `throughput ${speed.toFixed(2)}×, RSS ${rss.toFixed(2)}×`,
      result: speed === null || rss === null ? 'NO DATA' : speed >= 0.85 && rss <= 1.2 ? 'PASS' : 'MISS',
    };
  }
  return { text: `${renderTable(rows)}\n  ${verdict.target}: ${verdict.measured} → ${verdict.result}`, verdict };
}

/** Starts responses-server.ts under the server's pinning; its stdin's end stops it. */
async function startServer(prefix: readonly string[], cwd: string): Promise<{ port: number; stop(): Promise<void> }> {
  const args = ['--import', 'tsx', join(__dirname, 'responses-server.ts')];
  const [file, ...argv] = [...prefix, process.execPath, ...args];
  const child = spawn(file as string, argv, { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`responses server exited early with code ${code}`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    port,
    stop: () => stopByStdin(child),
  };
}
