/**
 * Start-up (scenario S of `npm run bench`): the CPU a one-URL `fanout fetch` costs,
 * start-up included, beside a plain Node script that imports undici and fetches
 * one URL. Each process's whole CPU time is reported by a preloaded hook
 * (report-cpu.cjs); the runs alternate so both see the same noise. The bin is run
 * directly (as the other scenarios run it) and through `npx` (as the README says),
 * whose npm process costs about a second of CPU of its own, counted apart.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChild, startTargetServer, type Pinning } from './bench-processes';
import { spread, type Verdict } from './bench-report';

/** The target: the bin at most this many times the baseline's CPU. */
const MAX_RATIO = 2;
const RUN_LIMIT_MS = 30_000;

interface StartupClient {
  readonly label: string;
  readonly command: (url: string, urlFile: string, root: string) => [string, string[]];
  readonly rounds: number;
}

const ENGINE_ARGS = (urlFile: string, url: string): string[] => [
  'fetch',
  urlFile,
  '--allow-net',
  new URL(url).host,
  '--out',
  '/dev/null',
  '--no-progress',
];

const CLIENTS: readonly StartupClient[] = [
  {
    label: 'fanout bin',
    command: (url, urlFile, root) => [join(root, 'src', 'cli', 'fanout.cjs'), ENGINE_ARGS(urlFile, url)],
    rounds: 9,
  },
  {
    label: 'plain undici script',
    command: (url, _urlFile, root) => [process.execPath, [join(root, 'test', 'bench', 'startup-baseline.mjs'), url]],
    rounds: 9,
  },
  {
    label: 'npx fanout',
    command: (url, urlFile) => ['npx', ['fanout', ...ENGINE_ARGS(urlFile, url)]],
    rounds: 3,
  },
];

interface Sample {
  readonly cpuMs: number;
  readonly wallMs: number;
}

async function measure(client: StartupClient, url: string, env: { root: string; tmp: string; pinning: Pinning }): Promise<Sample | string> {
  const cpuFile = join(env.tmp, 'startup-cpu.txt');
  rmSync(cpuFile, { force: true });
  const [command, args] = client.command(url, join(env.tmp, 'startup-url.txt'), env.root);
  const started = performance.now();
  const outcome = await runChild(env.pinning.client, command, args, RUN_LIMIT_MS, env.root, {
    ...process.env,
    NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --require ${join(__dirname, 'report-cpu.cjs')}`.trim(),
    FANOUT_BENCH_CPU_FILE: cpuFile,
  });
  const wallMs = performance.now() - started;
  if (outcome.code !== 0) return `exited with ${outcome.code ?? outcome.signal}: ${outcome.stderr.trim().split('\n').at(-1) ?? ''}`;
  const cpuMs = readFileSync(cpuFile, 'utf8')
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line), 0);
  return { cpuMs, wallMs };
}

function show(values: readonly number[]): string {
  const s = spread(values);
  return s === null ? '—' : `${s.median.toFixed(0)} [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`;
}

/**
 * Runs scenario S and returns its report lines and verdict. `root` is the checkout
 * (the bin must be built: the harness builds it first).
 */
export async function runStartupScenario(env: {
  root: string;
  tmp: string;
  pinning: Pinning;
}): Promise<{ text: string; verdict: Verdict }> {
  const server = await startTargetServer(env.pinning.server, { latencyMs: 0, jitterMs: 0, bodyBytes: 64 }, env.root);
  const samples = new Map<string, Sample[]>(CLIENTS.map((c) => [c.label, []]));
  const failures: string[] = [];
  try {
    const url = `http://127.0.0.1:${server.port}/r/0`;
    writeFileSync(join(env.tmp, 'startup-url.txt'), `${url}\n`);
    const rounds = Math.max(...CLIENTS.map((c) => c.rounds));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
      for (const client of order.filter((c) => r < c.rounds)) {
        const sample = await measure(client, url, env);
        if (typeof sample === 'string') failures.push(`${client.label}: ${sample}`);
        else samples.get(client.label)!.push(sample);
      }
    }
  } finally {
    await server.stop();
  }
  const median = (label: string): number | null => spread(samples.get(label)!.map((s) => s.cpuMs))?.median ?? null;
  const engine = median('fanout bin');
  const baseline = median('plain undici script');
  const ratio = engine === null || baseline === null ? null : engine / baseline;
  const lines = [
    'figure: CPU ms of the whole process (start-up included), median [min–max]; wall ms',
    ...CLIENTS.map((c) => {
      const runs = samples.get(c.label)!;
      return `  ${c.label.padEnd(20)} CPU ${show(runs.map((s) => s.cpuMs)).padEnd(18)} wall ${show(runs.map((s) => s.wallMs))}  (${runs.length} runs)`;
    }),
    `  fanout bin / plain undici script: ${ratio === null ? '—' : ratio.toFixed(2)} (target ≤ ${MAX_RATIO})`,
    ...failures.map((f) => `  run failed: ${f}`),
  ];
  const verdict: Verdict = {
    scenario: 'S',
    target: `fanout bin CPU ≤ ${MAX_RATIO} × plain undici script`,
    measured: ratio === null ? '—' : ratio.toFixed(2),
    result: ratio === null ? 'NO DATA' : ratio <= MAX_RATIO ? 'PASS' : 'MISS',
  };
  return { text: lines.join('\n'), verdict };
}
