/**
 * `fanout fetch`'s options: one table that both the parser and the help read (see
 * command-line.ts), and how their values become the engine's config.
 */
import { resolveEngineConfig, type EngineConfig, type EngineConfigInput } from '../config/engine-config';
import { ConfigError, UsageError } from '../errors';
import type { CommandLine, CommandSpec } from './command-line';

/** Flags of `fanout fetch` that map one to one onto engine config keys (numbers and rates, checked there). */
const CONFIG_FLAGS = {
  concurrency: 'concurrency',
  'per-host': 'perHost',
  'timeout-ms': 'timeoutMs',
  'connect-timeout-ms': 'connectTimeoutMs',
  'dns-timeout-ms': 'dnsTimeoutMs',
  'max-sockets': 'maxSockets',
  'headers-timeout-ms': 'headersTimeoutMs',
  'body-timeout-ms': 'bodyTimeoutMs',
  retries: 'retries',
  'max-bytes': 'maxBytes',
  'max-redirects': 'maxRedirects',
  'host-burst': 'hostBurst',
  'max-host-errors': 'maxHostErrors',
  'host-rate': 'hostRate',
  rate: 'rate',
  'allow-net': 'allowNet',
  'dns-server': 'dnsServers',
  'user-agent': 'userAgent',
} as const satisfies Record<string, keyof EngineConfig>;

/** Config keys named in messages by the flag that sets them. */
const FLAG_OF: Partial<Record<keyof EngineConfig, string>> = {
  ...Object.fromEntries(Object.entries(CONFIG_FLAGS).map(([flag, key]) => [key, `--${flag}`])),
  maxHostWaitMs: '--max-host-wait',
  hash: '--no-hash',
  robots: '--robots',
};

/** `fanout fetch`: its options (in the order the help lists them) and help. */
export const FETCH_SPEC: CommandSpec = {
  name: 'fetch',
  summary: 'fetch every URL of a file (one per line; - reads stdin) in this process,\nwriting one JSON record per URL',
  usage: ['[options] <file|->'],
  options: [
    { name: 'concurrency', type: 'string', value: 'N', help: 'requests in flight at most (default 64)' },
    { name: 'per-host', type: 'string', value: 'N', help: 'requests in flight per host at most (default 8)' },
    { name: 'timeout-ms', type: 'string', value: 'MS', help: 'total time per attempt (default 30000)' },
    { name: 'connect-timeout-ms', type: 'string', value: 'MS', help: 'time to connect, once the name has resolved (default 10000)' },
    { name: 'dns-timeout-ms', type: 'string', value: 'MS', help: 'time for one DNS lookup (default 5000)' },
    {
      name: 'dns-server',
      type: 'string',
      value: 'IP[:PORT]',
      multiple: true,
      help: "name server to ask (repeatable; default: the system's)",
    },
    { name: 'max-sockets', type: 'string', value: 'N', help: 'sockets open at once at most (default: 3/4 of ulimit -n)' },
    { name: 'headers-timeout-ms', type: 'string', value: 'MS', help: 'time from request to response headers (default 30000)' },
    { name: 'body-timeout-ms', type: 'string', value: 'MS', help: 'longest gap between body chunks (default 30000)' },
    { name: 'retries', type: 'string', value: 'N', help: 'retries after the first attempt (default 2)' },
    { name: 'max-bytes', type: 'string', value: 'N', help: 'decoded body bytes at most (default 10485760)' },
    { name: 'max-redirects', type: 'string', value: 'N', help: 'redirect hops at most (default 5)' },
    {
      name: 'host-rate',
      type: 'string',
      value: 'RATE',
      help: 'requests started per second per host at most: N/s, N/m or N/h,\nfractions allowed (0.5/s); default: no limit',
    },
    { name: 'host-burst', type: 'string', value: 'N', help: 'requests a host may get back to back after a quiet spell (default 1)' },
    { name: 'rate', type: 'string', value: 'RATE', help: 'requests started per second in the whole run at most (default: no limit)' },
    {
      name: 'max-host-wait',
      type: 'string',
      value: 'TIME',
      help: 'total time a host may keep us waiting by throttling (429, 503,\nRetry-After) before its remaining URLs get HOST_THROTTLED: 90s, 15m, 1h\n(default 15m)',
    },
    {
      name: 'max-host-errors',
      type: 'string',
      value: 'N',
      help: "connection failures in a row after which a host's remaining URLs get\nHOST_UNAVAILABLE untried; 0: never (default 30)",
    },
    {
      name: 'robots',
      type: 'boolean',
      help: "obey robots.txt: disallowed URLs get ROBOTS_DISALLOWED, Crawl-delay\ncaps the host's rate",
    },
    {
      name: 'allow-net',
      type: 'string',
      value: 'HOST[:PORT]',
      multiple: true,
      help: 'let the network guard through to this host (repeatable); the guard\nrefuses loopback and private addresses, and localhost names, otherwise',
    },
    { name: 'user-agent', type: 'string', value: 'UA', help: 'User-Agent header' },
    { name: 'out', type: 'string', value: 'FILE', help: 'write JSONL results here (default stdout)' },
    {
      name: 'resume',
      type: 'boolean',
      help: 'with --out: keep the answered records of an earlier, stopped\nrun in that file, fetch the other lines and append them',
    },
    {
      name: 'since',
      type: 'string',
      value: 'FILE',
      help: 'conditional re-fetch against an earlier run\'s records: send\nIf-None-Match/If-Modified-Since, add "change" to each record',
    },
    { name: 'hash', type: 'boolean', negated: true, help: 'skip sha256 of bodies' },
    { name: 'json', type: 'boolean', help: 'print a JSON summary line to stdout at the end' },
    { name: 'progress', type: 'boolean', negated: true, help: 'no progress on stderr' },
    {
      name: 'log-level',
      type: 'string',
      value: 'LEVEL',
      help: 'diagnostics on stderr as JSON lines: error, warn, info, debug\n(info: run start and end; debug: also one line per failed URL)',
    },
  ],
  notes: [
    'exit codes: 0 the run completed (failed URLs included: see each record),',
    '            1 the results could not be written, 2 bad usage or options,',
    '            130 stopped by Ctrl-C or SIGTERM (every URL still gets a record;',
    '            continue with --resume)',
  ].join('\n'),
};

/** The engine config from the parsed flags; a bad value is a usage error naming the flag. */
export function configFromFlags(values: CommandLine['values']): EngineConfig {
  const input: EngineConfigInput = {};
  for (const [flag, key] of Object.entries(CONFIG_FLAGS)) {
    if (values[flag] !== undefined) input[key] = values[flag];
  }
  if (values['max-host-wait'] !== undefined) input.maxHostWaitMs = parseDurationFlag(values['max-host-wait'] as string, '--max-host-wait');
  if (values['robots'] === true) input.robots = true;
  if (values['hash'] === false) input.hash = false;
  try {
    return resolveEngineConfig(input, (key) => FLAG_OF[key] ?? key);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** `90s`, `15m`, `1h`, `500ms` as milliseconds; a usage error names the flag otherwise. */
function parseDurationFlag(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (match === null) throw new UsageError(`Expected \`${flag}\` to be a duration such as 90s, 15m or 1h, got \`${value}\``);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}
