import { parseArgs } from 'node:util';
import { UsageError } from '../errors';
import { API_FLAGS, clientFrom, parseOrUsage, usageOnClientError } from './api-options';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

const CANCEL_USAGE = 'Usage: fanout cancel <jobId> [--endpoint URL] [--api-key K]';
const REDRIVE_USAGE = 'Usage: fanout redrive <jobId> [--codes CODE,CODE] [--endpoint URL] [--api-key K]';

/**
 * `fanout cancel <jobId>`: stops a job (`cancelling`, then `cancelled` once every URL
 * has a record) and prints its status as JSON.
 */
export function createCancelCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseOrUsage(() => parseArgs({ args: [...argv], allowPositionals: true, options: API_FLAGS }));
    const [jobId, ...extra] = positionals;
    if (jobId === undefined || extra.length > 0) throw new UsageError(CANCEL_USAGE);
    const status = await clientFrom(values, io, deps.fetch).cancelJob(jobId).catch(usageOnClientError);
    io.stdout.write(jsonLine(status));
    return 0;
  };
}

/**
 * `fanout redrive <jobId> [--codes TIMEOUT_TOTAL,HTTP_STATUS]`: submits a new job of
 * the URLs whose result failed (only those codes, when given) and prints it as JSON.
 */
export function createRedriveCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({ args: [...argv], allowPositionals: true, options: { ...API_FLAGS, codes: { type: 'string' } } }),
    );
    const [jobId, ...extra] = positionals;
    if (jobId === undefined || extra.length > 0) throw new UsageError(REDRIVE_USAGE);
    const codes = values.codes
      ?.split(',')
      .map((code) => code.trim())
      .filter((code) => code !== '');
    const reply = await clientFrom(values, io, deps.fetch).redriveJob(jobId, codes).catch(usageOnClientError);
    io.stdout.write(jsonLine(reply));
    return 0;
  };
}

/** `fanout cancel` and `fanout redrive`, wired for main.ts. */
export const cancelCommand: Command = createCancelCommand();
export const redriveCommand: Command = createRedriveCommand();
