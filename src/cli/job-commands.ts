import { API_OPTIONS, clientFrom, oneJobId } from './api-options';
import { parseCommandLine, type CommandSpec } from './command-line';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

/** `fanout cancel`: its options and help. */
export const CANCEL_SPEC: CommandSpec = {
  name: 'cancel',
  summary: 'stop a job: it starts no more URLs, and those not fetched get CANCELLED records',
  usage: ['<jobId> [options]'],
  options: API_OPTIONS,
};

/** `fanout redrive`: its options and help. */
export const REDRIVE_SPEC: CommandSpec = {
  name: 'redrive',
  summary: "submit a job's failed URLs again, as a new job linked to it",
  usage: ['<jobId> [options]'],
  options: [
    {
      name: 'codes',
      type: 'string',
      value: 'CODE,CODE',
      help: 'only the URLs that failed with these error codes\n(e.g. TIMEOUT_TOTAL,HTTP_STATUS; default: every failure)',
    },
    ...API_OPTIONS,
  ],
};

/**
 * `fanout cancel <jobId>`: stops a job (`cancelling`, then `cancelled` once every URL
 * has a record) and prints its status as JSON.
 */
export function createCancelCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommandLine(CANCEL_SPEC, argv);
    const status = await clientFrom(values, io, deps.fetch).cancelJob(oneJobId(positionals));
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
    const { values, positionals } = parseCommandLine(REDRIVE_SPEC, argv);
    const jobId = oneJobId(positionals);
    const codes = (values['codes'] as string | undefined)
      ?.split(',')
      .map((code) => code.trim())
      .filter((code) => code !== '');
    const reply = await clientFrom(values, io, deps.fetch).redriveJob(jobId, codes);
    io.stdout.write(jsonLine(reply));
    return 0;
  };
}

/** `fanout cancel` and `fanout redrive`, wired for main.ts. */
export const cancelCommand: Command = createCancelCommand();
export const redriveCommand: Command = createRedriveCommand();
