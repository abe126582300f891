import type { Attempt, AttemptResult } from '../http/attempt';
import type { HopRequest } from '../request/hop-request';
import type { UrlInput } from '../types';

/** One URL on its way through a run: resolved, admitted, attempted, perhaps retried, reported. */
export interface Task {
  readonly input: UrlInput;
  readonly url: URL;
  /** What its first hop sends: method, headers, body. */
  readonly request: HopRequest;
  /** The scheduler's key: `hostname[:port]`. */
  readonly host: string;
  /** The port to connect to (the scheme's default when the URL names none). */
  readonly port: number;
  attempts: number;
  /** Attempts its host throttled (429/503): they spend no retry. */
  throttled: number;
  /** `performance.now()` when the first attempt started. */
  startedAt: number;
  /** Milliseconds the last lookup of the name took before the URL could take a slot; null for an IP literal. */
  dnsMs: number | null;
  /** `performance.now()` when it last joined its host's lane. */
  waitingSince: number;
  /** Milliseconds spent in its host's lane, over all its attempts (`timings.queued`). */
  queuedMs: number;
  last: AttemptResult | null;
  /** The latest attempt; cut if the run stops while it is in flight. */
  attempt: Attempt | undefined;
}
