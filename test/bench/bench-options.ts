import { parseArgs } from 'node:util';
import { SCENARIOS, type Scenario } from './scenarios';

/** What `npm run bench -- ...` was asked to do. */
export interface BenchOptions {
  /** Repetitions of each client per scenario (the RSS scenario runs once). */
  readonly runs: number;
  /** Multiplier on every scenario's URL count, for quick smoke runs. */
  readonly scale: number;
  /** Server latency spread, as a fraction of the latency (uniform ±, same mean); 0 by default. */
  readonly jitter: number;
  /** R's `--host-burst` for the rate-limited engine, or null for the engine's default. */
  readonly hostBurst: number | null;
  /** Keep the engine's records of each run and print where its time went. */
  readonly diagnose: boolean;
  /** The scenarios to run, in order. */
  readonly scenarios: readonly Scenario[];
  /** Run S, start-up (one URL, see startup-bench.ts): by default, or when `--only` names it. */
  readonly startup: boolean;
  /** Opt-in scenarios left out, to say how to run them. */
  readonly skipped: readonly Scenario[];
  readonly help: boolean;
}

/** The `--help` text. */
export const USAGE = `Usage: npm run bench -- [options]

  --runs N        repetitions of each client per scenario (default 3)
  --only A,C      run only these scenarios (S: start-up, one URL)
  --scale X       multiply every URL count by X (e.g. 0.1 for a smoke run)
  --jitter X      spread the server's latency uniformly by ±X of it (0 to 1,
                  default 0: constant latency); the mean, and so the ideal, stay the same
  --host-burst N  pass --host-burst N to R's rate-limited engine (default: not passed,
                  the engine's own default of 1)
  --diagnose      write the engine's records to a temp file (not /dev/null) and
                  print slot occupancy and attempt-time percentiles per run
  --rss           also run F (peak RSS over 1,000,000 URLs; a minute or more)
  --all           run every scenario (A-G, R, P and F)
  --help          this text

A missed target is reported, not an error: the exit code is non-zero only when
the harness or a client crashed.`;

/** The start-up scenario's id; it has no entry in SCENARIOS (it runs one URL, see startup-bench.ts). */
export const STARTUP_ID = 'S';

/** Thrown for a bad command line; the harness prints it with the usage and exits 2. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** Parses the harness's arguments; throws {@link BenchUsageError} naming the bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        runs: { type: 'string', default: '3' },
        only: { type: 'string' },
        scale: { type: 'string', default: '1' },
        jitter: { type: 'string', default: '0' },
        'host-burst': { type: 'string' },
        rss: { type: 'boolean', default: false },
        diagnose: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  const { values } = parsed;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new BenchUsageError(`Expected \`--runs\` to be an integer from 1 to 100, got \`${values.runs}\``);
  }
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) {
    throw new BenchUsageError(`Expected \`--scale\` to be a number above 0 and at most 10, got \`${values.scale}\``);
  }
  const jitter = Number(values.jitter);
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) {
    throw new BenchUsageError(`Expected \`--jitter\` to be a number from 0 to 1, got \`${values.jitter}\``);
  }
  const hostBurst = values['host-burst'] === undefined ? null : Number(values['host-burst']);
  if (hostBurst !== null && (!Number.isInteger(hostBurst) || hostBurst < 1)) {
    throw new BenchUsageError(`Expected \`--host-burst\` to be an integer of at least 1, got \`${values['host-burst']}\``);
  }

  let scenarios: Scenario[];
  if (values.only !== undefined) {
    const ids = values.only
      .split(',')
      .map((id) => id.trim().toUpperCase())
      .filter((id) => id !== '');
    for (const id of ids) {
      if (id !== STARTUP_ID && !SCENARIOS.some((s) => s.id === id)) {
        throw new BenchUsageError(
          `Expected \`--only\` to list scenarios among ${STARTUP_ID},${SCENARIOS.map((s) => s.id).join(',')}, got \`${id}\``,
        );
      }
    }
    // Naming an opt-in scenario in --only is asking for it.
    scenarios = SCENARIOS.filter((s) => ids.includes(s.id));
  } else {
    const withOptIn = values.all || values.rss;
    scenarios = SCENARIOS.filter((s) => !s.optIn || withOptIn);
  }
  const skipped = values.only === undefined ? SCENARIOS.filter((s) => !scenarios.includes(s)) : [];
  const startup =
    values.only === undefined ||
    values.only
      .toUpperCase()
      .split(',')
      .some((id) => id.trim() === STARTUP_ID);
  return { runs, scale, jitter, hostBurst, diagnose: values.diagnose, scenarios, startup, skipped, help: values.help };
}
