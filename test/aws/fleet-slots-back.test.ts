import type { ServerResponse } from 'node:http';
import { DynamoFleetLimits } from '../../src/aws/dynamo-fleet-limits';
import { resolveEngineConfig } from '../../src/config/engine-config';
import { createEngine } from '../../src/fetch/engine';
import { FleetGates } from '../../src/jobs/fleet/fleet-gates';
import { hostLimitKey, type FleetLimitStore } from '../../src/jobs/fleet/fleet-limits';
import { startLoopbackServer, type LoopbackServer } from '../integration/helpers/loopback-server';
import { fakeResolver, loopbackOnlyDialer } from '../integration/helpers/safe-network';
import { startRateProbe, type RateProbe } from '../support/rate-probe';
import { suiteJobTable, uniqueName } from './helpers';

/**
 * A consumer gives a host's fleet slots back as soon as its runs have nothing more
 * for that host, not when its whole batch ends: another consumer can lease them while
 * the first is still fetching other hosts. The store is DynamoDB on dynalite; the
 * consumer is one engine running two chunks of one job at once, as a batch does.
 */
describe('fleet gates: slots back when a host is done', () => {
  const { clients, table } = suiteJobTable('fleet-slots');
  let probe: RateProbe;
  let busy: LoopbackServer;
  /** The busy host's requests, held unanswered until the test lets them go. */
  const held: ServerResponse[] = [];
  let letGo = false;

  beforeAll(async () => {
    probe = await startRateProbe();
    busy = await startLoopbackServer((_req, res) => {
      if (letGo) res.end('ok');
      else held.push(res);
    });
  });
  afterAll(async () => {
    await probe.close();
    await busy.close();
  });

  /** The store, noting each release call as it is made (the calls go to DynamoDB as they are). */
  function notingReleases(store: FleetLimitStore): { store: FleetLimitStore; releases: Map<string, Promise<void>> } {
    const releases = new Map<string, Promise<void>>();
    return {
      releases,
      store: {
        reserveStarts: (...args) => store.reserveStarts(...args),
        acquireSlots: (...args) => store.acquireSlots(...args),
        releaseSlots: (key, holder) => {
          const release = store.releaseSlots(key, holder);
          releases.set(key, release);
          return release;
        },
      },
    };
  }

  it('lets another consumer lease a finished host’s slots while the first still fetches another host', async () => {
    const perHost = 2;
    const jobId = uniqueName('j');
    const dynamo = new DynamoFleetLimits(clients.dynamodb, table);
    const { store, releases } = notingReleases(dynamo);
    probe.configure('done.test', { delayMs: 40 });
    const busyHost = `busy.test:${busy.port}`;
    const config = resolveEngineConfig({ perHost, retries: 0, allowNet: [probe.key('done.test'), busyHost] });
    const safe = loopbackOnlyDialer();
    const engine = createEngine(config, {
      dial: safe.dial,
      resolve: fakeResolver({ 'done.test': ['127.0.0.1'], 'busy.test': ['127.0.0.1'] }),
    });
    const deadline = Date.now() + 20_000;
    const fleet = new FleetGates({ store, jobId, deadline, leaseUntil: deadline + 1000 });
    const doneUrls = Array.from({ length: 8 }, (_, i) => ({ url: probe.url('done.test', `/d/${i}`), line: i + 1 }));
    const busyUrls = Array.from({ length: 2 }, (_, i) => ({ url: `http://${busyHost}/b/${i}`, line: i + 1 }));
    let doneLeft = doneUrls.length;
    let doneHostFinished!: () => void;
    const finished = new Promise<void>((resolve) => (doneHostFinished = resolve));
    const options = { config, deadline, limitGroup: jobId, gates: fleet.factories };
    // Two chunks of the job in one batch: one for the host that finishes, one for the host that does not yet.
    const runs = Promise.all([
      engine.run(doneUrls, { ...options, onResult: () => void (--doneLeft === 0 && doneHostFinished()) }),
      engine.run(busyUrls, { ...options, onResult: () => undefined }),
    ]);
    try {
      await finished;
      // The lane's last URL reports, then the run lets go of the host's gate in the same turn.
      await new Promise((resolve) => setImmediate(resolve));
      // The first consumer held every slot of the finished host (so nobody could lease one)...
      expect(probe.maxInFlight(probe.key('done.test'))).toBe(perHost);
      const doneKey = hostLimitKey(jobId, probe.key('done.test'));
      // ...and gave them back while its other chunk's requests are still in flight.
      expect([...releases.keys()]).toEqual([doneKey]);
      await releases.get(doneKey);
      expect(busy.stats.inFlight).toBeGreaterThan(0);
      const now = Date.now();
      expect(await dynamo.acquireSlots(doneKey, 'another-consumer', perHost, perHost, now + 60_000, now)).toBe(perHost);
    } finally {
      letGo = true;
      for (const res of held.splice(0)) res.end('ok');
      const summaries = await runs;
      await fleet.settle();
      await engine.close();
      expect(summaries.map((s) => s.ok)).toEqual([doneUrls.length, busyUrls.length]);
    }
  });
});
