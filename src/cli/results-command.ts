import { open } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors';
import { API_OPTIONS, clientFrom, oneJobId } from './api-options';
import { parseCommandLine, type CommandSpec } from './command-line';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `fanout results`: its options and help. */
export const RESULTS_SPEC: CommandSpec = {
  name: 'results',
  summary: "download a job's result records as JSON lines",
  usage: ['<jobId> [options]'],
  options: [
    { name: 'out', type: 'string', value: 'FILE', help: 'write the records here (default stdout)' },
    {
      name: 'partial',
      type: 'boolean',
      help: 'take what is stored so far from a job still running (exit 0);\nwithout it, an unfinished job is exit 1',
    },
    { name: 'changed', type: 'boolean', help: "a monitoring job's records whose page is new, changed or gone,\nnot the unchanged ones" },
    ...API_OPTIONS,
  ],
};

/** What `--changed` keeps: records of a monitoring job whose page is new, changed or gone. */
const CHANGED: ReadonlySet<unknown> = new Set(['new', 'changed', 'gone']);

/**
 * `fanout results <jobId> [--out FILE] [--partial] [--changed]`: pages through every
 * stored result and writes them as JSON lines to FILE or stdout; with `--changed`, only
 * a monitoring job's records whose page is new, changed or gone. When the job was not done as the
 * walk began, what was written may miss results still to come: the command says so
 * and exits 1, unless `--partial` says that is what the caller wants.
 */
export function createResultsCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommandLine(RESULTS_SPEC, argv);
    const jobId = oneJobId(positionals);
    const outPath = values['out'] as string | undefined;
    const client = clientFrom(values, io, deps.fetch);
    let out: Writable = io.stdout;
    if (outPath !== undefined) {
      // Opened up front so a bad path is a one-line usage error, not a stream 'error' later.
      const handle = await open(outPath, 'w').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`Cannot write ${outPath}: ${error.code ?? error.message}`);
      });
      out = handle.createWriteStream();
    }
    let count = 0;
    let first: { complete: boolean; state: string } | undefined;
    try {
      let cursor: string | undefined;
      do {
        const page = await client.getResults(jobId, cursor);
        // The first page's answer holds for the walk: only a walk begun after the job was done is whole.
        first ??= { complete: page.complete, state: page.state };
        const items = values['changed'] === true ? page.items.filter((item) => CHANGED.has(item.change)) : page.items;
        for (const item of items) await write(out, jsonLine(item));
        count += items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    } finally {
      if (out !== io.stdout) {
        out.end();
        await once(out, 'close');
      }
    }
    const where = outPath === undefined ? '' : ` written to ${outPath}`;
    if (first?.complete === true) {
      io.stderr.write(`${count} results${where}\n`);
      return 0;
    }
    const state = first?.state ?? 'unknown';
    if (values['partial'] === true) {
      io.stderr.write(`${count} results${where} (partial: ${jobId} is ${state})\n`);
      return 0;
    }
    io.stderr.write(
      `fanout: ${jobId} is not complete yet (state ${state}): ${count} results${where} so far; run again when it is done, or pass --partial\n`,
    );
    return 1;
  };
}

/** `fanout results`, wired for main.ts. */
export const resultsCommand: Command = createResultsCommand();
