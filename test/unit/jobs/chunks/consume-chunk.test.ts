import { resolveEngineConfig } from '../../../../src/config/engine-config';
import { FETCH_ERROR_CODES, type FetchErrorCode } from '../../../../src/errors';
import type { FetchResult } from '../../../../src/fetch/result';
import type { UrlInput } from '../../../../src/fetch/types';
import { chunkIdOf, type ChunkRef } from '../../../../src/jobs/ledger/chunk-ref';
import {
  consumeChunk,
  MAX_CUTS,
  MAX_WAITING_GENERATIONS,
  type ConsumeDeps,
  type Delivery,
} from '../../../../src/jobs/chunks/consume-chunk';
import { checkpointFor, CONSUME_STEPS, CONSUMER_STORE_CALLS, failingOnce, type FaultPlan } from '../../../../src/jobs/chunks/faults';
import { JobLedger } from '../../../../src/jobs/ledger/job-ledger';
import { createJobConfigs } from '../../../../src/jobs/job-options';
import { parseChunkMessage, type ChunkMessage, type ChunkUrl } from '../../../../src/jobs/chunks/messages';
import { readResults } from '../../../../src/jobs/lifecycle/read-results';
import { submitUrls } from '../../../../src/jobs/lifecycle/submit-job';
import { FakeEngine, MemoryEvents, MemoryQueue, MemoryResults, TEST_JOB_LIMITS } from '../fakes';
import { MemoryLedgerStore } from '../ledger/memory-ledger-store';
import { SizedEngine } from '../sized-engine';

const NOW = Date.UTC(2026, 10, 30);

/** An engine whose outcome for a URL can change from one run to the next. */
type Outcome = (input: UrlInput, run: number) => FetchErrorCode | undefined;

class VaryingEngine extends FakeEngine {
  #runs = 0;
  constructor(outcome: Outcome) {
    super((input) => outcome(input, this.#runs));
  }
  override run(...args: Parameters<FakeEngine['run']>): ReturnType<FakeEngine['run']> {
    this.#runs += 1;
    return super.run(...args);
  }
}

/** A job of `n` inline URLs on in-memory stores, driven message by message. */
async function pipeline(n: number, outcome: Outcome = () => undefined, chunkUrls = 4) {
  const store = new MemoryLedgerStore();
  const ledger = new JobLedger(store);
  const queue = new MemoryQueue();
  const results = new MemoryResults();
  const engine = new VaryingEngine(outcome);
  const events = new MemoryEvents();
  const urls = Array.from({ length: n }, (_, i) => `http://127.0.0.1/${i + 1}`);
  await submitUrls(
    {
      ledger,
      chunkQueue: queue,
      splitQueue: new MemoryQueue(),
      events,
      manifests: undefined as never,
      limits: { urls: chunkUrls, bytes: 60_000 },
      jobLimits: TEST_JOB_LIMITS,
      now: () => NOW,
    },
    { jobId: 'job', urls, options: {} },
  );
  const deps: ConsumeDeps = {
    engine,
    configFor: createJobConfigs(resolveEngineConfig({}), 1 << 28),
    results,
    ledger,
    chunkQueue: queue,
    events,
    now: () => NOW,
  };
  let deliveries = 0;
  /** One delivery of `msg`, with a fault plan; false when it died or failed. */
  const deliver = async (msg: ChunkMessage, plan?: FaultPlan, lastReceive = false): Promise<boolean> => {
    deliveries += 1;
    const checkpoint = checkpointFor(plan);
    const delivery: Delivery = { id: `d${deliveries}`, lastReceive, ...(checkpoint === undefined ? {} : { checkpoint }) };
    const faulty: ConsumeDeps = {
      ...deps,
      ledger: failingOnce(ledger, 'ledger', plan),
      results: failingOnce(results, 'results', plan),
      chunkQueue: failingOnce(queue, 'chunkQueue', plan),
      events: failingOnce(events, 'events', plan),
    };
    return consumeChunk(faulty, msg, delivery, NOW + 60_000).then(
      () => true,
      () => false,
    );
  };
  /** Delivers every message in the queue (and its children) until none is left. */
  const drain = async (): Promise<void> => {
    for (let i = 0; i < queue.sent.length; i += 1) await deliver(parseChunkMessage((queue.sent[i] as { body: string }).body));
  };
  const all = async (): Promise<FetchResult[]> => {
    const items: FetchResult[] = [];
    let cursor: string | undefined;
    do {
      const page = await readResults(ledger, results, 'job', cursor, { items: 3, bytes: 1 << 20 });
      items.push(...(page?.items ?? []));
      cursor = page?.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return items;
  };
  const messages = (): ChunkMessage[] => queue.sent.map((m) => parseChunkMessage(m.body));
  return { store, ledger, queue, results, engine, events, deps, deliver, drain, all, messages, n };
}

type Pipeline = Awaited<ReturnType<typeof pipeline>>;

/** The pipeline's promise: done, one record per line, counters equal to the records. */
async function expectExactlyOnce(p: Pipeline): Promise<void> {
  const status = await p.ledger.getJob('job');
  const items = await p.all();
  const lines = items.map((r) => r.line).sort((a, b) => a - b);
  const ok = items.filter((r) => r.ok).length;
  expect({ lines, state: status?.state, succeeded: status?.succeeded, failed: status?.failed, total: status?.total }).toEqual({
    lines: Array.from({ length: p.n }, (_, i) => i + 1),
    state: 'done',
    succeeded: ok,
    failed: items.length - ok,
    total: p.n,
  });
  expect(status?.chunks.done).toBe(status?.chunks.total);
  // The end was announced (at least once, every repeat byte for byte the same event).
  expectOneEvent(p.events.published, 'job:done');
  expect(p.events.published[0]).toMatchObject({ jobId: 'job', state: 'done', total: p.n, succeeded: ok, failed: items.length - ok });
}

/** Registers and counts the generations of a chunk's lineage before it, as their deliveries would have. */
async function lineageBefore(p: Pipeline, ref: ChunkRef): Promise<void> {
  for (let generation = 0; generation < ref.generation; generation += 1) {
    await p.ledger.registerChild('job', { ...ref, generation }, NOW);
    await p.ledger.countChunk('job', { ...ref, generation }, { succeeded: 0, failed: 0 }, NOW);
  }
}

/** At least one event, every one byte for byte the first, with the given id. */
function expectOneEvent(published: readonly unknown[], id: string): void {
  const [first] = published;
  expect(first).toMatchObject({ id });
  expect(published.map((e) => JSON.stringify(e))).toEqual(published.map(() => JSON.stringify(first)));
}

describe('consumeChunk', () => {
  it('stores every result, counts the chunk once and completes the job', async () => {
    const p = await pipeline(6, (u) => (u.line === 2 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined));
    await p.drain();
    await expectExactlyOnce(p);
    expect(await p.ledger.getJob('job')).toMatchObject({ succeeded: 5, failed: 1, chunks: { total: 2, done: 2 } });
  });

  it('tallies bytes and failures by code for the delivery whose claim won, and none for one finishing it', async () => {
    const codes: Record<number, FetchErrorCode> = {
      2: FETCH_ERROR_CODES.TIMEOUT_TOTAL,
      3: FETCH_ERROR_CODES.HTTP_STATUS,
      4: FETCH_ERROR_CODES.NOT_ATTEMPTED,
    };
    const p = await pipeline(4);
    const deps = { ...p.deps, engine: new SizedEngine((u) => codes[u.line]) };
    const msg = p.messages()[0] as ChunkMessage;
    // Two at once: both fetch, one claim wins; then a later delivery finds the claim.
    const both = await Promise.all(['a', 'b'].map((id) => consumeChunk(deps, msg, { id, lastReceive: false }, NOW + 60_000)));
    const later = await consumeChunk(deps, msg, { id: 'c', lastReceive: false }, NOW + 60_000);
    // 'body 1' is the one body: 6 bytes. Line 4 was not attempted, so it is re-queued, not failed.
    const won = { claimed: true, succeeded: 1, failed: 2, requeued: 1, bytes: 6, errors: { TIMEOUT_TOTAL: 1, HTTP_STATUS: 1 } };
    const finished = { claimed: false, succeeded: 1, failed: 2, requeued: 1, bytes: 0, errors: {} };
    expect(deps.engine.runs).toHaveLength(2);
    expect([...both, later].sort((x, y) => Number(y.claimed) - Number(x.claimed))).toEqual([won, finished, finished]);
  });

  it('does no work for a delivery of a chunk that is already counted', async () => {
    const p = await pipeline(3);
    await p.drain();
    const puts = p.results.puts;
    expect(await p.deliver(p.messages()[0] as ChunkMessage)).toBe(true);
    expect(p.engine.runs).toHaveLength(1);
    expect(p.results.puts).toBe(puts);
    await expectExactlyOnce(p);
  });

  it('keeps one outcome when two deliveries run at once and their fetches disagree', async () => {
    // Each run sees different answers: the first fails every URL, the second none.
    const p = await pipeline(4, (_u, run) => (run === 1 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined));
    const msg = p.messages()[0] as ChunkMessage;
    await Promise.all([p.deliver(msg), p.deliver(msg)]);
    await expectExactlyOnce(p);
    const claim = await p.ledger.getClaim('job', chunkIdOf(msg));
    const items = await p.all();
    // The counters, the records and the claim all tell the same story.
    expect(items.filter((r) => r.ok)).toHaveLength(claim?.succeeded ?? -1);
    // The losing delivery's object is gone: one object for the chunk.
    expect(p.results.recordsOf('job', chunkIdOf(msg))).toHaveLength(1);
  });

  it("re-queues the deadline's leftovers as a child whose id the parent fixes, and sends it on every repeat", async () => {
    // URLs 3 and 4 miss the deadline on the first run only.
    const p = await pipeline(4, (u, run) => (run === 1 && u.line > 2 ? FETCH_ERROR_CODES.NOT_ATTEMPTED : undefined));
    const msg = p.messages()[0] as ChunkMessage;
    expect(await p.deliver(msg, { kill: 'after-child-send' })).toBe(false);
    // The repeat fetches nothing and sends the same child again (a harmless duplicate).
    expect(await p.deliver(msg)).toBe(true);
    const children = p.messages().filter((m) => m.generation === 1);
    expect(children.map(chunkIdOf)).toEqual(['c-000000~1', 'c-000000~1']);
    expect(children[0]).toEqual(children[1]);
    expect(children[0]?.urls.map((u) => u.line)).toEqual([3, 4]);
    expect(p.engine.runs).toHaveLength(1);
    await p.drain();
    await expectExactlyOnce(p);
  });

  it('registers the child before counting the parent (the job cannot look done early), and sends it only after', async () => {
    const p = await pipeline(2, (u, run) => (run === 1 && u.line === 2 ? FETCH_ERROR_CODES.DEADLINE : undefined));
    const callsAtSend: string[][] = [];
    p.queue.onSend = () => callsAtSend.push([...p.store.calls]);
    await p.deliver(p.messages()[0] as ChunkMessage);
    expect(await p.ledger.getJob('job')).toMatchObject({ state: 'running', chunks: { total: 2, done: 1 } });
    const registered = p.store.calls.indexOf('advanceOnce BUCKET#c#0000 k0 0');
    const counted = p.store.calls.indexOf('advanceOnce BUCKET#c#0000 n0 0');
    expect(registered).toBeGreaterThanOrEqual(0);
    expect(registered).toBeLessThan(counted);
    // So a lineage is counted in generation order: its child cannot be counted before it.
    expect(callsAtSend).toHaveLength(1);
    expect(callsAtSend[0]).toContain('advanceOnce BUCKET#c#0000 n0 0');
  });

  it.each(CONSUME_STEPS)('loses nothing and counts nothing twice when a delivery dies at %s', async (step) => {
    const p = await pipeline(5, (u, run) =>
      run === 1 && u.line === 3 ? FETCH_ERROR_CODES.NOT_ATTEMPTED : u.line === 5 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined,
    );
    const [first] = p.messages();
    expect(await p.deliver(first as ChunkMessage, { kill: step })).toBe(false);
    await p.drain();
    await expectExactlyOnce(p);
  });

  it.each(
    CONSUMER_STORE_CALLS.filter((c) => c !== 'events.publishJobEnded').flatMap((call): [string, string, FaultPlan][] => [
      [call, 'fails once before it acts', { failCall: call }],
      [call, 'acts, then fails as a lost response would', { failAfterCall: call }],
    ]),
  )('loses nothing and counts nothing twice when %s %s', async (_call, _how, plan) => {
    const p = await pipeline(5, (u, run) => (run === 1 && u.line === 2 ? FETCH_ERROR_CODES.DEADLINE : undefined));
    const [first] = p.messages();
    expect(await p.deliver(first as ChunkMessage, plan)).toBe(false);
    await p.drain();
    await expectExactlyOnce(p);
  });

  it('publishes the same end event again when publishing acted but failed, then never again once marked', async () => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    expect(await p.deliver(msg, { failAfterCall: 'events.publishJobEnded' })).toBe(false);
    expect(p.events.published).toHaveLength(1);
    expect(await p.deliver(msg)).toBe(true);
    expect(await p.deliver(msg)).toBe(true);
    expect(p.events.published).toHaveLength(2);
    expectOneEvent(p.events.published, 'job:done');
  });

  it.each([
    ['the bucket close', /^addOnce GROUP#/],
    ['the group close', /^addOnce JOB closed/],
    ["the job's state flip", /^setWhen JOB/],
  ])('finishes %s on the next delivery when it failed after the count', async (_what, call) => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    p.store.failOnce = call;
    expect(await p.deliver(msg)).toBe(false);
    expect(p.store.failOnce).toBeUndefined();
    expect(await p.deliver(msg)).toBe(true);
    expect(await p.ledger.completion('job')).toEqual({ state: 'done', complete: true });
    expect(await p.store.get('job', 'JOB')).toMatchObject({ state: 'done', succeeded: 3 });
    await expectExactlyOnce(p);
  });

  it('announces the end once its delivery is repeated when publishing failed', async () => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    expect(await p.deliver(msg, { failCall: 'events.publishJobEnded' })).toBe(false);
    // Every record is in: the job reads done, but its end is still owed.
    expect(await p.ledger.completion('job')).toEqual({ state: 'done', complete: true });
    expect(p.events.published).toHaveLength(0);
    expect(await p.deliver(msg)).toBe(true);
    expect(await p.deliver(msg)).toBe(true);
    expect(p.events.published.map((e) => e.id)).toEqual(['job:done']);
  });

  it("keeps its own claim when the claim's write committed but its response was lost and the SDK sent it again", async () => {
    const p = await pipeline(3, () => undefined, 10);
    p.store.lostResponse = /^create CHUNK#/;
    const outcome = await consumeChunk(p.deps, p.messages()[0] as ChunkMessage, { id: 'd1', lastReceive: false }, NOW + 60_000);
    expect(p.store.calls).toContain('create CHUNK#c-000000 (retried)');
    expect(outcome.claimed).toBe(true);
    // The object the claim points at is still there, so the results walk reads it.
    await expectExactlyOnce(p);
  });

  it('ends consistently when a cancel races the last close, and re-walks never announce again', async () => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    // A cancel that read the job before the last close lands its write (queued → cancelling)
    // between that close's read of the job and its write of the end.
    p.store.beforeNext(/^setWhen JOB/, () => p.store.setWhen('job', 'JOB', { state: 'cancelling' }, { field: 'state', equals: 'queued' }));
    expect(await p.deliver(msg)).toBe(true);
    const derived = (await p.ledger.getJob('job'))?.state;
    expect(['done', 'cancelled']).toContain(derived);
    expect((await p.store.get('job', 'JOB'))?.['state']).toBe(derived);
    expect(await p.deliver(msg)).toBe(true);
    expect(await p.deliver(msg)).toBe(true);
    expect(p.events.published.map((e) => e.id)).toEqual([`job:${derived}`]);
  });

  it('announces a repeated end as the same event, byte for byte, whenever the repeat comes', async () => {
    const p = await pipeline(3, () => undefined, 10);
    let clock = NOW;
    const deps: ConsumeDeps = { ...p.deps, now: () => (clock += 1000) };
    const msg = p.messages()[0] as ChunkMessage;
    const markFails = { ...deps, ledger: failingOnce(p.ledger, 'ledger', { failCall: 'ledger.markAnnounced' }) };
    await expect(consumeChunk(markFails, msg, { id: 'd1', lastReceive: false }, NOW + 60_000)).rejects.toThrow('markAnnounced');
    await consumeChunk(deps, msg, { id: 'd2', lastReceive: false }, NOW + 60_000);
    expect(p.events.published).toHaveLength(2);
    expectOneEvent(p.events.published, 'job:done');
  });

  it('gives every URL a DELIVERY_LIMIT record on the last receive instead of fetching again', async () => {
    const p = await pipeline(3, () => undefined, 10);
    expect(await p.deliver(p.messages()[0] as ChunkMessage, undefined, true)).toBe(true);
    expect(p.engine.runs).toHaveLength(0);
    expect((await p.all()).map((r) => r.error?.code)).toEqual(['DELIVERY_LIMIT', 'DELIVERY_LIMIT', 'DELIVERY_LIMIT']);
    await expectExactlyOnce(p);
  });

  it('ends a poison chunk that kills every fetch: its last receive records it without fetching', async () => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    const poison = { kill: 'before-fetch' } as const;
    expect(await p.deliver(msg, poison)).toBe(false);
    expect(await p.deliver(msg, poison)).toBe(false);
    expect(await p.deliver(msg, poison, true)).toBe(true);
    expect((await p.all()).map((r) => r.error?.code)).toEqual(['DELIVERY_LIMIT', 'DELIVERY_LIMIT', 'DELIVERY_LIMIT']);
    await expectExactlyOnce(p);
  });

  it('finishes a claimed chunk on its last receive rather than giving its URLs up', async () => {
    const p = await pipeline(3, () => undefined, 10);
    const msg = p.messages()[0] as ChunkMessage;
    await p.deliver(msg, { kill: 'after-claim' });
    await p.deliver(msg, undefined, true);
    expect((await p.all()).every((r) => r.ok)).toBe(true);
    await expectExactlyOnce(p);
  });

  it('stores a URL the deadline cut as final once it has been cut MAX_CUTS times, counted per URL', async () => {
    const p = await pipeline(2, () => FETCH_ERROR_CODES.DEADLINE, 10);
    const first = p.messages()[0] as ChunkMessage;
    // Deep in a lineage re-queued for its hosts' rates: line 1 was cut often, line 2 never.
    const msg = { ...first, generation: 40, urls: [{ ...(first.urls[0] as ChunkUrl), cuts: MAX_CUTS - 1 }, first.urls[1] as ChunkUrl] };
    await lineageBefore(p, msg);
    expect(await p.deliver(msg)).toBe(true);
    const claim = await p.ledger.getClaim('job', chunkIdOf(msg));
    expect(claim).toMatchObject({ failed: 1 });
    const child = p.messages().find((m) => m.generation === 41);
    expect(child?.urls).toEqual([{ ...(first.urls[1] as ChunkUrl), cuts: 1 }]);
  });

  it('re-queues URLs their hosts could not take before the deadline with a delay until they can, also from a repeat', async () => {
    const p = await pipeline(3, (input) => (input.line === 2 ? FETCH_ERROR_CODES.NOT_ATTEMPTED : undefined), 10);
    const run = p.engine.run.bind(p.engine);
    p.engine.run = async (urls, options) => ({ ...(await run(urls, options)), resumeAt: NOW + 29_500 });
    const msg = p.messages()[0] as ChunkMessage;
    expect(await p.deliver(msg, { kill: 'after-child-send' })).toBe(false);
    // The repeat finishes the claim's steps: the same child, with the claim's delay.
    expect(await p.deliver(msg)).toBe(true);
    const children = p.queue.sent.filter((m) => parseChunkMessage(m.body).generation === 1);
    expect(children.map((m) => m.delaySeconds)).toEqual([30, 30]);
    expect(parseChunkMessage((children[0] as { body: string }).body).urls.map((u) => u.line)).toEqual([2]);
  });

  it('keeps re-queueing URLs never started until the lineage reaches MAX_WAITING_GENERATIONS', async () => {
    const p = await pipeline(1, () => FETCH_ERROR_CODES.NOT_ATTEMPTED, 10);
    const msg = { ...(p.messages()[0] as ChunkMessage), generation: MAX_CUTS + 5 };
    await lineageBefore(p, msg);
    expect(await p.deliver(msg)).toBe(true);
    expect(p.messages().filter((m) => m.generation === MAX_CUTS + 6)).toHaveLength(1);
    const last = { ...(p.messages()[0] as ChunkMessage), index: 0, generation: MAX_WAITING_GENERATIONS - 1 };
    await lineageBefore(p, last);
    expect(await p.deliver(last)).toBe(true);
    expect(p.messages().filter((m) => m.generation === MAX_WAITING_GENERATIONS)).toHaveLength(0);
  });

  it('stores bodies under their sha256 when the job asks for them', async () => {
    const p = await pipeline(2, () => undefined, 10);
    const msg = { ...(p.messages()[0] as ChunkMessage), options: { storeBodies: true } };
    await p.deliver(msg);
    expect([...p.results.bodies.keys()].sort()).toEqual(['sha-1', 'sha-2']);
  });

  it('keeps its promise under random duplicates, concurrent deliveries, kills, failed calls and calls failed after they acted', async () => {
    const calls = CONSUMER_STORE_CALLS;
    for (let seed = 1; seed <= 40; seed += 1) {
      let state = seed;
      const random = (): number => {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        return state / 2 ** 31;
      };
      const p = await pipeline(
        23,
        (u, run) =>
          random() < 0.3 ? FETCH_ERROR_CODES.NOT_ATTEMPTED : (u.line + run) % 7 === 0 ? FETCH_ERROR_CODES.HTTP_STATUS : undefined,
        3,
      );
      const plan = (): FaultPlan | undefined => {
        const r = random();
        if (r < 0.2) return { kill: CONSUME_STEPS[Math.floor(random() * CONSUME_STEPS.length)] as (typeof CONSUME_STEPS)[number] };
        if (r < 0.3) return { failCall: calls[Math.floor(random() * calls.length)] as string };
        if (r < 0.4) return { failAfterCall: calls[Math.floor(random() * calls.length)] as string };
        return undefined;
      };
      // SQS: a message stays until a delivery succeeds; some deliveries are doubled, at once.
      const pending = [...p.queue.sent.keys()];
      let next = p.queue.sent.length;
      for (let guard = 0; pending.length > 0 && guard < 2000; guard += 1) {
        const at = Math.floor(random() * pending.length);
        const index = pending[at] as number;
        const msg = parseChunkMessage((p.queue.sent[index] as { body: string }).body);
        const copies = random() < 0.3 ? 2 : 1;
        const outcomes = await Promise.all(Array.from({ length: copies }, () => p.deliver(msg, plan(), random() < 0.05)));
        if (outcomes.some(Boolean)) pending.splice(at, 1);
        for (; next < p.queue.sent.length; next += 1) pending.push(next);
      }
      await expectExactlyOnce(p);
    }
  });
});
