/**
 * A warning in the submit answer when a job's rates (`hostRate`, `rate`) make it take
 * longer than {@link SLOW_JOB_HORIZON_S}: a rate meant per second but written per hour,
 * or ten thousand URLs of one host at 1/s, is cheaper to catch at submission than
 * after hours of waiting. Only an estimate, and a lower bound: a host's URLs cannot
 * start faster than its rate, nor the job's faster than `rate`.
 *
 * Inline jobs only: a manifest job's URLs are read by the splitter after the answer is
 * sent. (The splitter sees one range at a time, and a host may span ranges, so it could
 * not give the whole picture either.)
 */
import { formatRate } from '../../config/rate';
import { NO_HOST, type HostGroups } from './chunking';

/**
 * Seconds a job may need by its rates before submitting it answers with a warning:
 * one hour, past which a job outlives many consumer invocations (15 minutes each) and
 * a misjudged rate is worth a second look.
 */
export const SLOW_JOB_HORIZON_S = 3600;

/** Hosts listed in the warning at most, slowest first. */
export const SLOW_HOSTS_LISTED = 5;

/** Codes of the warnings a submit may answer with. */
export const JOB_WARNING_CODES = { SLOW_HOSTS: 'SLOW_HOSTS' } as const;

/** One host's share of a slow job: its URLs and the seconds they need at the host's rate. */
export interface SlowHost {
  readonly host: string;
  readonly urls: number;
  readonly seconds: number;
}

/** A warning in a 202 answer (`warnings`): the job was accepted, but look at this. */
export interface JobWarning {
  readonly code: (typeof JOB_WARNING_CODES)[keyof typeof JOB_WARNING_CODES];
  readonly message: string;
  /** Seconds the whole job needs at least by its rates. */
  readonly seconds: number;
  /** The slowest hosts (at most {@link SLOW_HOSTS_LISTED}), slowest first. */
  readonly hosts: readonly SlowHost[];
}

/** The rates a job runs with (the job's options over the deployment's), in requests per second. */
export interface JobRates {
  readonly hostRate: number | null;
  readonly rate: number | null;
}

/**
 * The SLOW_HOSTS warning for URLs grouped by host, or undefined when the job needs no
 * more than `horizonS` seconds by its rates (or has none). A host's seconds are its URLs
 * over the lower of `hostRate` and `rate`; the job's are the most of those and of all
 * its URLs over `rate`. URLs without a host (BAD_URL records) take no time.
 *
 * @example
 * slowHostsWarning(groupByHost(inputs), { hostRate: 1, rate: null }) // 10,000 URLs of one host: 10,000 s
 */
export function slowHostsWarning(groups: HostGroups, rates: JobRates, horizonS = SLOW_JOB_HORIZON_S): JobWarning | undefined {
  if (rates.hostRate === null && rates.rate === null) return undefined;
  const hostRate = Math.min(rates.hostRate ?? Infinity, rates.rate ?? Infinity);
  const hosts: SlowHost[] = [];
  let urls = 0;
  for (const [host, inputs] of groups) {
    if (host === NO_HOST) continue;
    urls += inputs.length;
    hosts.push({ host, urls: inputs.length, seconds: Math.ceil(inputs.length / hostRate) });
  }
  const whole = rates.rate === null ? 0 : Math.ceil(urls / rates.rate);
  const seconds = hosts.reduce((most, h) => Math.max(most, h.seconds), whole);
  if (seconds <= horizonS) return undefined;
  const slowest = hosts.sort((a, b) => b.seconds - a.seconds || a.host.localeCompare(b.host)).slice(0, SLOW_HOSTS_LISTED);
  const top = slowest[0];
  const why =
    top !== undefined && top.seconds >= whole
      ? `${top.host} alone has ${top.urls} URLs at ${formatRate(hostRate)}`
      : `${urls} URLs at rate ${formatRate(rates.rate ?? hostRate)}`;
  return {
    code: JOB_WARNING_CODES.SLOW_HOSTS,
    message: `This job needs at least ${hours(seconds)} by its rates (${why}), more than ${hours(horizonS)}; the slowest hosts are listed`,
    seconds,
    hosts: slowest,
  };
}

const hours = (seconds: number): string => `${Math.round((seconds / 3600) * 10) / 10} h`;
