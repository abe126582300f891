import { resolveEngineConfig, type EngineConfigInput } from '../../../src/config/engine-config';
import { createEngine } from '../../../src/fetch/engine';
import type { FetchResult } from '../../../src/fetch/result';
import type { EngineDeps, RunOptions, RunSummary } from '../../../src/fetch/types';
import type { DialTarget } from '../../../src/net/dialer';
import { loopbackOnlyDialer, type SocketCounts } from './safe-network';

/**
 * Runs the real engine over `urls` with the loopback-only dialer and returns
 * the results in input order, with the summary and what the dialer opened and refused.
 * `stop` passes an abort signal and its grace (and an `onStart` for the run's view) on to the run.
 */
export async function runEngine(
  urls: readonly string[],
  config: EngineConfigInput,
  deps: EngineDeps = {},
  deadline?: number,
  stop: Pick<RunOptions, 'signal' | 'stopGraceMs' | 'onStart'> = {},
): Promise<{
  results: FetchResult[];
  bodies: (Buffer | undefined)[];
  summary: RunSummary;
  refused: unknown[];
  dialed: DialTarget[];
  sockets: SocketCounts;
}> {
  const safe = loopbackOnlyDialer();
  const engine = createEngine(resolveEngineConfig({ retryBaseMs: 10, ...config }), { dial: safe.dial, ...deps });
  const results: FetchResult[] = [];
  const bodies: (Buffer | undefined)[] = [];
  try {
    const summary = await engine.run(
      urls.map((url, i) => ({ url, line: i + 1 })),
      {
        onResult(result, body) {
          results[result.line - 1] = result;
          bodies[result.line - 1] = body;
        },
        ...(deadline !== undefined && { deadline }),
        ...stop,
      },
    );
    return { results, bodies, summary, refused: safe.refused, dialed: safe.dialed, sockets: safe.sockets };
  } finally {
    await engine.close();
  }
}
