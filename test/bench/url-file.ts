import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { benchHostName, hangsAt, PATH_KINDS, type HangPlan } from './scenarios';

/**
 * Writes `count` URLs for the target server, one a line: to 127.0.0.1, or with
 * `hostOf`, URL i to the name `benchHostName(hostOf(i))`, which the bench's DNS
 * server answers with 127.0.0.1 (e.g. `i mod names`, so a host's URLs spread
 * through the file; see also `interleaveHosts`). The URLs the
 * plan names ask the server to hang (`/h/...`), so every client reading the file
 * meets the same hangs at the same positions. `pathOf` picks the other URLs' path
 * kinds (PATH_KINDS; all OK without it).
 */
export async function writeUrlFile(
  path: string,
  port: number,
  count: number,
  hangs: HangPlan,
  hostOf?: (i: number) => number,
  pathOf: (i: number) => string = () => PATH_KINDS.OK,
): Promise<void> {
  const out = createWriteStream(path);
  const prefixOf = (i: number): string => `http://${hostOf === undefined ? '127.0.0.1' : benchHostName(hostOf(i))}:${port}/`;
  const BATCH = 10_000;
  for (let start = 0; start < count; start += BATCH) {
    let text = '';
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      text += `${prefixOf(i)}${hangsAt(hangs, i) ? PATH_KINDS.HANG : pathOf(i)}/${i}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
