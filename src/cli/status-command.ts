import { API_OPTIONS, clientFrom, oneJobId } from './api-options';
import { parseCommandLine, type CommandSpec } from './command-line';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

/** `fanout status`: its options and help. */
export const STATUS_SPEC: CommandSpec = {
  name: 'status',
  summary: "show a job's state and counts, as JSON",
  usage: ['<jobId> [options]'],
  options: API_OPTIONS,
};

/** `fanout status <jobId> [--endpoint URL] [--api-key K]`: prints the job's status as JSON. */
export function createStatusCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommandLine(STATUS_SPEC, argv);
    const jobId = oneJobId(positionals);
    const status = await clientFrom(values, io, deps.fetch).getJob(jobId);
    io.stdout.write(jsonLine(status));
    return 0;
  };
}

/** `fanout status`, wired for main.ts. */
export const statusCommand: Command = createStatusCommand();
