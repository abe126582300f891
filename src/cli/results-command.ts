import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors';
import { API_FLAGS, clientFrom, parseOrUsage, usageOnClientError } from './api-options';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';
import { jsonLine } from '../io/json-line';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

const USAGE = 'Usage: fanout results <jobId> [--out FILE] [--partial] [--changed] [--endpoint URL] [--api-key K]';

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
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: { ...API_FLAGS, out: { type: 'string' }, partial: { type: 'boolean' }, changed: { type: 'boolean' } },
      }),
    );
    const [jobId, ...extra] = positionals;
    if (jobId === undefined || extra.length > 0) {
      throw new UsageError(USAGE);
    }
    const client = clientFrom(values, io, deps.fetch);
    let out: Writable = io.stdout;
    if (values.out !== undefined) {
      // Opened up front so a bad path is a one-line usage error, not a stream 'error' later.
      const handle = await open(values.out, 'w').catch((error: NodeJS.ErrnoException) => {
        throw new UsageError(`Cannot write ${values.out}: ${error.code ?? error.message}`);
      });
      out = handle.createWriteStream();
    }
    let count = 0;
    let first: { complete: boolean; state: string } | undefined;
    try {
      let cursor: string | undefined;
      do {
        const page = await client.getResults(jobId, cursor).catch(usageOnClientError);
        // The first page's answer holds for the walk: only a walk begun after the job was done is whole.
        first ??= { complete: page.complete, state: page.state };
        const items = values.changed === true ? page.items.filter((item) => CHANGED.has(item.change)) : page.items;
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
    const where = values.out === undefined ? '' : ` written to ${values.out}`;
    if (first?.complete === true) {
      io.stderr.write(`${count} results${where}\n`);
      return 0;
    }
    const state = first?.state ?? 'unknown';
    if (values.partial === true) {
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
