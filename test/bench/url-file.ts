import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { hangsAt, type HangPlan } from './scenarios';

/**
 * Writes `count` loopback URLs for the target server, one a line. The URLs the
 * plan names ask the server to hang (`/h/...`), so every client reading the file
 * meets the same hangs at the same positions.
 */
export async function writeUrlFile(path: string, port: number, count: number, hangs: HangPlan): Promise<void> {
  const out = createWriteStream(path);
  const prefix = `http://127.0.0.1:${port}/`;
  const BATCH = 10_000;
  for (let start = 0; start < count; start += BATCH) {
    let text = '';
    for (let i = start; i < Math.min(count, start + BATCH); i += 1) {
      text += `${prefix}${hangsAt(hangs, i) ? 'h' : 'r'}/${i}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
