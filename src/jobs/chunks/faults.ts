/**
 * Faults injected on purpose, for the local stack and its tests only: the local SQS
 * event source attaches a plan to a delivery (a message attribute), and the consumer
 * or splitter follows it only when the local stack's launcher turns it on, and never
 * on AWS Lambda (src/config/app-config.ts, `faultInjectionOf`). The code under test is the production
 * code; the plan only makes a step throw where a crash or a failed call would stop it.
 */
import { FanoutError } from '../../errors';

/** The points of a chunk's consumption where a delivery can be killed. */
export const CONSUME_STEPS = [
  'before-fetch',
  'after-fetch',
  'after-results-write',
  'after-claim',
  'after-count',
  'after-child-send',
] as const;

/** One of {@link CONSUME_STEPS}. */
export type ConsumeStep = (typeof CONSUME_STEPS)[number];

/** The store calls a chunk's consumption makes, as a fault plan names them. */
export const CONSUMER_STORE_CALLS = [
  'results.putDeliveryResults',
  'ledger.getClaim',
  'ledger.claim',
  'ledger.registerChild',
  'ledger.countChunk',
  'chunkQueue.sendAll',
  'events.publishJobEnded',
] as const;

/** The store calls a manifest split makes. */
export const SPLITTER_STORE_CALLS = [
  'manifests.head',
  'manifests.readRange',
  'ledger.registerGroup',
  'chunkQueue.sendAll',
  'splitQueue.sendAll',
] as const;

/** What to do to one delivery. */
export interface FaultPlan {
  /** Kill the invocation at this step: the whole batch fails, as if the Lambda died. */
  readonly kill?: ConsumeStep;
  /** Make this store call fail once, e.g. `ledger.claim` or `results.putDeliveryResults`. */
  readonly failCall?: string;
  /**
   * Make this store or queue call act, then fail once as a timeout or a 5xx would: its
   * write has committed (its message was sent), but the caller sees an error.
   */
  readonly failAfterCall?: string;
}

/** Name of the SQS message attribute that carries a {@link FaultPlan} as JSON. */
export const FAULT_ATTRIBUTE = 'fanout-fault';

/** Codes of injected faults. */
export const FAULT_CODES = { INJECTED_KILL: 'INJECTED_KILL', INJECTED_FAILURE: 'INJECTED_FAILURE' } as const;

/** Thrown at a kill step; the handler fails the whole invocation on it. */
export class InjectedKillError extends FanoutError<'INJECTED_KILL'> {
  override readonly name = 'InjectedKillError';

  constructor(step: string) {
    super(FAULT_CODES.INJECTED_KILL, `injected kill at ${step}`);
  }
}

/** Thrown by a store call the plan makes fail, as a failed SDK call would. */
export class InjectedFailureError extends FanoutError<'INJECTED_FAILURE'> {
  override readonly name = 'InjectedFailureError';

  constructor(call: string) {
    super(FAULT_CODES.INJECTED_FAILURE, `injected failure of ${call}`);
  }
}

/** True for the error a kill step throws. */
export function isInjectedKill(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === FAULT_CODES.INJECTED_KILL;
}

/** Parses a plan; undefined for anything that is not one (a fault plan never breaks a delivery). */
export function parseFaultPlan(raw: string | undefined): FaultPlan | undefined {
  if (raw === undefined) return undefined;
  try {
    const value = JSON.parse(raw) as { kill?: unknown; failCall?: unknown; failAfterCall?: unknown };
    const kill = CONSUME_STEPS.find((step) => step === value.kill);
    const failCall = typeof value.failCall === 'string' ? value.failCall : undefined;
    const failAfterCall = typeof value.failAfterCall === 'string' ? value.failAfterCall : undefined;
    return {
      ...(kill === undefined ? {} : { kill }),
      ...(failCall === undefined ? {} : { failCall }),
      ...(failAfterCall === undefined ? {} : { failAfterCall }),
    };
  } catch {
    return undefined;
  }
}

/** The checkpoint a delivery calls at each step: throws at the planned kill. */
export function checkpointFor(plan: FaultPlan | undefined): ((step: ConsumeStep) => void) | undefined {
  const kill = plan?.kill;
  if (kill === undefined) return undefined;
  return (step) => {
    if (step === kill) throw new InjectedKillError(step);
  };
}

/** True when the plan makes a store or queue call fail (before or after it acts). */
export function failsACall(plan: FaultPlan | undefined): boolean {
  return plan?.failCall !== undefined || plan?.failAfterCall !== undefined;
}

/**
 * Wraps a port so that the planned call (`<name>.<method>`) fails once: before it reaches
 * the store (`failCall`), or after it has acted (`failAfterCall`: the write committed,
 * the message was sent, and the caller gets the error a lost response gives). Other
 * calls pass through unchanged.
 *
 * @example
 * const ledger = failingOnce(deps.ledger, 'ledger', { failAfterCall: 'ledger.claim' });
 */
export function failingOnce<T extends object>(target: T, name: string, plan: FaultPlan | undefined): T {
  const before = plan?.failCall?.startsWith(`${name}.`) === true ? plan.failCall : undefined;
  const after = plan?.failAfterCall?.startsWith(`${name}.`) === true ? plan.failAfterCall : undefined;
  if (before === undefined && after === undefined) return target;
  let failed = false;
  return new Proxy(target, {
    get(obj, property, receiver) {
      const value: unknown = Reflect.get(obj, property, receiver);
      if (typeof value !== 'function') return value;
      const call = `${name}.${String(property)}`;
      if (failed || (call !== before && call !== after)) return value.bind(obj);
      return async (...args: unknown[]) => {
        if (failed) return (value as (...a: unknown[]) => unknown).apply(obj, args);
        failed = true;
        if (call === before) throw new InjectedFailureError(call);
        await (value as (...a: unknown[]) => unknown).apply(obj, args);
        throw new InjectedFailureError(`${call} after it acted`);
      };
    },
  });
}
