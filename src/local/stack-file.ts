import { readFileSync } from 'node:fs';

/** Where `npm start` leaves the local stack's endpoint and key (gitignored, mode 600). */
export const LOCAL_STACK_FILE = '.local/stack.json';

/** The running local stack's endpoint and key, if `npm start` is up in this directory. */
export function readLocalStackFile(): { endpoint?: string; apiKey?: string } {
  try {
    return JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')) as { endpoint?: string; apiKey?: string };
  } catch {
    return {};
  }
}
