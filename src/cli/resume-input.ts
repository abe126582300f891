import { UsageError } from '../errors';
import type { UrlInput } from '../fetch/types';
import type { ResumeState } from './resume-file';

/**
 * Checks that every record of the earlier run belongs to this input: its line holds
 * a URL here, and the same one. Run over the whole input before any request, so a
 * results file from another list is refused (exit 2) before it is changed or added to.
 *
 * @param inputName the input file's name, for the message
 */
export async function checkResumeInput(state: ResumeState, urls: AsyncIterable<UrlInput>, inputName: string): Promise<void> {
  let matched = 0;
  for await (const { line, url } of urls) {
    const recorded = state.urls.get(line);
    if (recorded === undefined) continue;
    if (recorded !== url) throw mismatch(state, inputName, `the record for line ${line} has another URL than that line`);
    matched++;
  }
  // Other records name lines without a URL here: past the input's end, blank, a comment.
  if (matched < state.urls.size) throw mismatch(state, inputName, `${state.urls.size - matched} records are for lines without a URL`);
}

/** The input without the lines the earlier run already answered. */
export async function* skipDone(urls: AsyncIterable<UrlInput>, done: ReadonlySet<number>): AsyncGenerator<UrlInput> {
  for await (const input of urls) if (!done.has(input.line)) yield input;
}

function mismatch(state: ResumeState, inputName: string, detail: string): UsageError {
  return new UsageError(`cannot resume: ${state.path} does not match ${inputName} (${detail})`);
}
