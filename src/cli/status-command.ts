import { parseArgs } from 'node:util';
import { UsageError } from '../errors';
import { API_FLAGS, clientFrom, parseOrUsage, usageOnClientError } from './api-options';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

/** `fanout status <jobId> [--endpoint URL] [--api-key K]`: prints the job's status as JSON. */
export function createStatusCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseOrUsage(() => parseArgs({ args: [...argv], allowPositionals: true, options: API_FLAGS }));
    const [jobId, ...extra] = positionals;
    if (jobId === undefined || extra.length > 0) throw new UsageError('Usage: fanout status <jobId> [--endpoint URL] [--api-key K]');
    const status = await clientFrom(values, io, deps.fetch).getJob(jobId).catch(usageOnClientError);
    io.stdout.write(jsonLine(status));
    return 0;
  };
}

/** `fanout status`, wired for main.ts. */
export const statusCommand: Command = createStatusCommand();
