import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's folder: the nearest one above this code holding a package.json
 * (the checkout, whether this runs from src/local or from the bundle in dist/).
 * Never the current folder: the CLI sends the key it finds in this file to the
 * endpoint the file names, so a file planted wherever the user happens to stand
 * must not be read.
 */
function projectFolder(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/**
 * Where `npm start` leaves the local stack's endpoint and key (gitignored, mode 600):
 * `.local/stack.json` in the project's folder, an absolute path.
 */
export const LOCAL_STACK_FILE = join(projectFolder(), '.local', 'stack.json');

/** The running local stack's endpoint and key, if `npm start` is up in this project. */
export function readLocalStackFile(path: string = LOCAL_STACK_FILE): { endpoint?: string; apiKey?: string } {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { endpoint?: string; apiKey?: string };
  } catch {
    return {};
  }
}
