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
  'after-child-send',
  'after-count',
] as const;

/** One of {@link CONSUME_STEPS}. */
export type ConsumeStep = (typeof CONSUME_STEPS)[number];

/** The store calls a chunk's consumption makes, as a fault plan names them. */
export const CONSUMER_STORE_CALLS = [
  'results.putDeliveryResults',
  'ledger.getClaim',
  'ledger.claim',
  'ledger.registerChild',
  'chunkQueue.sendAll',
  'ledger.countChunk',
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
    const value = JSON.parse(raw) as { kill?: unknown; failCall?: unknown };
    const kill = CONSUME_STEPS.find((step) => step === value.kill);
    const failCall = typeof value.failCall === 'string' ? value.failCall : undefined;
    return { ...(kill === undefined ? {} : { kill }), ...(failCall === undefined ? {} : { failCall }) };
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

/**
 * Wraps a port so that the planned call (`<name>.<method>`) fails once, before it
 * reaches the store. Other calls pass through unchanged.
 *
 * @example
 * const ledger = failingOnce(deps.ledger, 'ledger', { failCall: 'ledger.claim' });
 */
export function failingOnce<T extends object>(target: T, name: string, plan: FaultPlan | undefined): T {
  const call = plan?.failCall;
  if (call === undefined || !call.startsWith(`${name}.`)) return target;
  let failed = false;
  return new Proxy(target, {
    get(obj, property, receiver) {
      const value: unknown = Reflect.get(obj, property, receiver);
      if (typeof value !== 'function' || `${name}.${String(property)}` !== call) {
        return typeof value === 'function' ? value.bind(obj) : value;
      }
      return (...args: unknown[]) => {
        if (!failed) {
          failed = true;
          return Promise.reject(new InjectedFailureError(call));
        }
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}
