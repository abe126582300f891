import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors';
import { API_FLAGS, clientFrom, parseOrUsage, usageOnClientError } from './api-options';
import type { Command } from './io';
import type { ApiCommandDeps } from './submit-command';

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/**
 * `fanout results <jobId> [--out FILE] [--endpoint URL] [--api-key K]`: pages through
 * every stored result and writes them as JSON lines to FILE or stdout.
 */
export function createResultsCommand(deps: ApiCommandDeps = {}): Command {
  return async (argv, io) => {
    const { values, positionals } = parseOrUsage(() =>
      parseArgs({ args: [...argv], allowPositionals: true, options: { ...API_FLAGS, out: { type: 'string' } } }),
    );
    const [jobId, ...extra] = positionals;
    if (jobId === undefined || extra.length > 0) {
      throw new UsageError('Usage: fanout results <jobId> [--out FILE] [--endpoint URL] [--api-key K]');
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
    try {
      let cursor: string | undefined;
      do {
        const page = await client.getResults(jobId, cursor).catch(usageOnClientError);
        for (const item of page.items) await write(out, `${JSON.stringify(item)}\n`);
        count += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    } finally {
      if (out !== io.stdout) {
        out.end();
        await once(out, 'close');
      }
    }
    io.stderr.write(`${count} results${values.out === undefined ? '' : ` written to ${values.out}`}\n`);
    return 0;
  };
}

/** `fanout results`, wired for main.ts. */
export const resultsCommand: Command = createResultsCommand();
