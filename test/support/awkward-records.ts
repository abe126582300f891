import type { FetchResult } from '../../src/fetch/result';
import { record } from '../unit/report/records';

/** Every C0 control, DEL, the C1 controls, the line and paragraph separators, and a byte order mark. */
export const AWKWARD_TEXT = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  '\u007f',
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
  '\u2028',
  '\u2029',
  '\ufeff',
].join('');

/**
 * Four result records, three of whose URLs and error messages hold {@link AWKWARD_TEXT}:
 * line 1 plain, line 2 a success with a body, line 3 a DEADLINE (fetched again on
 * `--resume`), line 4 a DNS failure.
 */
export function awkwardRecords(): FetchResult[] {
  return [
    record(1, 'http://a.test/plain'),
    { ...record(2, `http://a.test/${AWKWARD_TEXT}/2`), sha256: 'ab'.repeat(32), bytes: 3 },
    record(3, `http://a.test/${AWKWARD_TEXT}/3`, { code: 'DEADLINE', message: `cut ${AWKWARD_TEXT}` }),
    record(4, `http://a.test/${AWKWARD_TEXT}/4`, { code: 'DNS', message: AWKWARD_TEXT }),
  ];
}
