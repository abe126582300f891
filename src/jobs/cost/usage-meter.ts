import { NO_USAGE, sqsUnits, type JobUsage } from './job-cost';

type MutableUsage = { -readonly [K in keyof JobUsage]: number };

/** The port methods whose calls are usage, and what each adds (from its arguments). */
const METERED: Readonly<Record<string, (args: readonly unknown[]) => Partial<JobUsage>>> = {
  'results.putDeliveryResults': () => ({ s3Puts: 1 }),
  'results.putBody': () => ({ s3Puts: 1 }),
  'results.readLines': () => ({ s3Gets: 1 }),
  'manifests.readRange': () => ({ s3Gets: 1 }),
  'manifests.head': () => ({ s3Gets: 1 }),
  'chunkQueue.sendAll': (args) => sendUnits(args[0]),
  'splitQueue.sendAll': (args) => sendUnits(args[0]),
  'events.publishJobEnded': () => ({ events: 1 }),
};

function sendUnits(messages: unknown): Partial<JobUsage> {
  const list = Array.isArray(messages) ? (messages as { body: string }[]) : [];
  return { sqsRequests: list.reduce((sum, m) => sum + sqsUnits(Buffer.byteLength(m.body)), 0) };
}

/**
 * Counts a process's usage per job while it works on the job's messages: the calls of
 * the ports it wraps, and the DynamoDB capacity the ledger store reports. The function
 * adapter takes each job's count after a delivery and adds it to the job's ledger.
 */
export class UsageMeter {
  readonly #byJob = new Map<string, MutableUsage>();

  /**
   * @param maxJobs jobs counted at once at most: a process that counts but never takes
   *   (the API's ledger reads) forgets the oldest instead of growing.
   */
  constructor(private readonly maxJobs = 1000) {}

  /** Adds `amount` to one field of a job's usage. */
  add(jobId: string, field: keyof JobUsage, amount: number): void {
    let usage = this.#byJob.get(jobId);
    if (usage === undefined) {
      if (this.#byJob.size >= this.maxJobs) this.#byJob.delete(this.#byJob.keys().next().value as string);
      usage = { ...NO_USAGE };
      this.#byJob.set(jobId, usage);
    }
    usage[field] += amount;
  }

  /** The job's usage counted since the last take, and forgets it. */
  take(jobId: string): JobUsage {
    const usage = this.#byJob.get(jobId) ?? { ...NO_USAGE };
    this.#byJob.delete(jobId);
    return usage;
  }

  /** Wraps a port (`results`, `chunkQueue`, `manifests`, …) so its calls count as usage of `jobId`. */
  metered<T extends object>(port: T, name: string, jobId: string): T {
    return new Proxy(port, {
      get: (obj, property, receiver) => {
        const value: unknown = Reflect.get(obj, property, receiver);
        if (typeof value !== 'function') return value;
        const count = METERED[`${name}.${String(property)}`];
        if (count === undefined) return value.bind(obj);
        return (...args: unknown[]) => {
          for (const [field, amount] of Object.entries(count(args))) this.add(jobId, field as keyof JobUsage, amount);
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  }
}
