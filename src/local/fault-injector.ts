import type { Message } from '@aws-sdk/client-sqs';
import {
  CONSUME_STEPS,
  CONSUMER_STORE_CALLS,
  FAULT_ATTRIBUTE,
  SPLITTER_STORE_CALLS,
  type ConsumeStep,
  type FaultPlan,
} from '../jobs/chunks/faults';

/** A fault the local event source can inflict on a delivery. */
export type Fault =
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'concurrent' }
  | { readonly kind: 'kill'; readonly step: ConsumeStep }
  | { readonly kind: 'fail-call'; readonly call: string }
  /** The call acts (its write commits, its message is sent), then fails as a timeout or a 5xx would. */
  | { readonly kind: 'fail-after-commit'; readonly call: string }
  | { readonly kind: 'hold' };

/** Which messages a fault hits (their body contains `match`: a job id, a chunk id) and how often. */
export interface FaultRule {
  readonly match: string;
  readonly fault: Fault;
  /** Deliveries it applies to, at most (default 1). */
  readonly times?: number;
}

/** What random faults may pick for one function: the store calls it makes and the steps it can be killed at. */
export interface RandomProfile {
  readonly calls: readonly string[];
  readonly steps: readonly ConsumeStep[];
}

/** Random fault profiles of the two queue-triggered functions (the splitter has no kill steps). */
export const RANDOM_PROFILES = {
  consumer: { calls: CONSUMER_STORE_CALLS, steps: CONSUME_STEPS },
  splitter: { calls: SPLITTER_STORE_CALLS, steps: [] },
} as const satisfies Record<string, RandomProfile>;

/** What to do with one batch: plans per message, and whether to hold or double the invocation. */
export interface BatchFaults {
  readonly messages: Message[];
  readonly hold: boolean;
  readonly duplicate: 'no' | 'after' | 'concurrent';
  /** Rules applied, for the log. */
  readonly applied: readonly string[];
}

/**
 * Decides the faults of each batch the local SQS event source invokes a function with:
 * explicit rules (set by tests through the stack's control endpoint) and, optionally,
 * random faults of every kind with a given probability per message (the chaos bench,
 * `FANOUT_FAULTS=random:0.2`). Kills and failed calls travel to the function as a
 * message attribute (see src/jobs/chunks/faults.ts); duplicates and holds are done here, by
 * invoking twice or late, as SQS itself may.
 */
export class FaultInjector {
  readonly #rules: { rule: FaultRule; left: number }[] = [];
  #probability = 0;
  #seed = 1;
  #maxReceiveCount = Number.POSITIVE_INFINITY;
  #profile: RandomProfile = RANDOM_PROFILES.consumer;
  /** How often each rule (by its match and kind) fired. */
  readonly fired = new Map<string, number>();

  /** Adds rules; each fires on at most `times` deliveries of a matching message. */
  add(rules: readonly FaultRule[]): void {
    for (const rule of rules) this.#rules.push({ rule, left: rule.times ?? 1 });
  }

  /**
   * Random faults on a share of deliveries, reproducibly from `seed`. None on a
   * message's last receive (`maxReceiveCount`): a delivery that fails then sends the
   * message to the DLQ, which is what the DLQ alarm and redrive are for, not something
   * the pipeline can finish on its own.
   */
  randomly(probability: number, profile: RandomProfile, seed = 1, maxReceiveCount = Number.POSITIVE_INFINITY): void {
    this.#probability = probability;
    this.#profile = profile;
    this.#seed = seed;
    this.#maxReceiveCount = maxReceiveCount;
  }

  /** The faults for one batch; the messages come back with their plans attached. */
  plan(messages: readonly Message[]): BatchFaults {
    let hold = false;
    let duplicate: BatchFaults['duplicate'] = 'no';
    const applied: string[] = [];
    const planned = messages.map((message) => {
      const fault = this.#faultFor(message);
      if (fault === undefined) return message;
      applied.push(describeFault(fault));
      this.fired.set(describeFault(fault), (this.fired.get(describeFault(fault)) ?? 0) + 1);
      if (fault.kind === 'hold') hold = true;
      else if (fault.kind === 'duplicate') duplicate = duplicate === 'concurrent' ? duplicate : 'after';
      else if (fault.kind === 'concurrent') duplicate = 'concurrent';
      else return withPlan(message, planOf(fault));
      return message;
    });
    return { messages: planned, hold, duplicate, applied };
  }

  #faultFor(message: Message): Fault | undefined {
    const body = message.Body ?? '';
    const entry = this.#rules.find((r) => r.left > 0 && body.includes(r.rule.match));
    if (entry !== undefined) {
      entry.left -= 1;
      return entry.rule.fault;
    }
    const lastReceive = Number(message.Attributes?.ApproximateReceiveCount ?? '1') >= this.#maxReceiveCount;
    if (this.#probability > 0 && !lastReceive && this.#random() < this.#probability) return this.#randomFault();
    return undefined;
  }

  #randomFault(): Fault {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(this.#random() * items.length)] as T;
    const kinds = [
      'duplicate',
      'concurrent',
      'fail-call',
      'fail-after-commit',
      'hold',
      ...(this.#profile.steps.length > 0 ? (['kill'] as const) : []),
    ] as const;
    const kind = pick(kinds);
    if (kind === 'kill') return { kind, step: pick(this.#profile.steps) };
    if (kind === 'fail-call' || kind === 'fail-after-commit') return { kind, call: pick(this.#profile.calls) };
    return { kind };
  }

  /** A small LCG: the same seed gives the same faults. */
  #random(): number {
    this.#seed = (this.#seed * 1103515245 + 12345) % 2 ** 31;
    return this.#seed / 2 ** 31;
  }
}

function describeFault(fault: Fault): string {
  if (fault.kind === 'kill') return `kill:${fault.step}`;
  if (fault.kind === 'fail-call' || fault.kind === 'fail-after-commit') return `${fault.kind}:${fault.call}`;
  return fault.kind;
}

/** The plan a fault the function itself suffers travels as. */
function planOf(fault: Extract<Fault, { kind: 'kill' | 'fail-call' | 'fail-after-commit' }>): FaultPlan {
  if (fault.kind === 'kill') return { kill: fault.step };
  return fault.kind === 'fail-call' ? { failCall: fault.call } : { failAfterCall: fault.call };
}

function withPlan(message: Message, plan: FaultPlan): Message {
  return {
    ...message,
    MessageAttributes: { ...message.MessageAttributes, [FAULT_ATTRIBUTE]: { DataType: 'String', StringValue: JSON.stringify(plan) } },
  };
}

/**
 * Reads `FANOUT_FAULTS` for `npm start`: `random:<probability>[:<seed>]`, or a JSON list
 * of {@link FaultRule}s. Unset: no faults.
 */
export function faultsFromEnv(
  raw: string | undefined,
  injector: FaultInjector,
  profile: RandomProfile = RANDOM_PROFILES.consumer,
  maxReceiveCount?: number,
): void {
  if (raw === undefined || raw.trim() === '') return;
  const random = /^random:(0(?:\.\d+)?|1)(?::(\d+))?$/.exec(raw.trim());
  if (random !== null) {
    injector.randomly(Number(random[1]), profile, Number(random[2] ?? '1'), maxReceiveCount);
    return;
  }
  let rules: unknown;
  try {
    rules = JSON.parse(raw);
  } catch {
    throw new Error(`Expected \`FANOUT_FAULTS\` to be random:<p>[:<seed>] or a JSON list of rules, got \`${raw}\``);
  }
  if (!Array.isArray(rules)) throw new Error(`Expected \`FANOUT_FAULTS\` to be a JSON list of rules, got \`${raw}\``);
  injector.add(rules as FaultRule[]);
}
