import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareResumeFile, readResumeFile } from '../../../src/cli/resume-file';
import { UsageError } from '../../../src/errors';

const record = (line: number, code: string | null): string =>
  JSON.stringify({ url: `http://h/${line}`, line, ok: code === null, error: code === null ? null : { code, message: 'm' } });

describe('readResumeFile and prepareResumeFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-resume-unit-'));
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('keeps answered records, failures included, and drops NOT_ATTEMPTED, DEADLINE and a half-written last line', async () => {
    const kept = [record(1, null), record(2, 'HTTP_STATUS'), record(5, 'BAD_URL')];
    const path = await file(
      'mixed.jsonl',
      [record(3, 'NOT_ATTEMPTED'), kept[0], record(4, 'DEADLINE'), kept[1], kept[2], ''].join('\n') + record(6, null).slice(0, 30),
    );
    const state = await readResumeFile(path);
    expect([...state.done].sort((a, b) => a - b)).toEqual([1, 2, 5]);
    expect([...state.urls.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    await prepareResumeFile(state);
    expect(await readFile(path, 'utf8')).toBe(kept.map((l) => `${l}\n`).join(''));
  });

  it('only cuts the half-written line when every complete record is kept', async () => {
    const path = await file('cut.jsonl', `${record(1, null)}\n${record(2, null)}`);
    const state = await readResumeFile(path);
    expect([...state.done]).toEqual([1]);
    await prepareResumeFile(state);
    expect(await readFile(path, 'utf8')).toBe(`${record(1, null)}\n`);
  });

  it('reads a missing file as no records', async () => {
    const state = await readResumeFile(join(dir, 'missing.jsonl'));
    expect(state.urls.size).toBe(0);
  });

  it.each([
    ['not JSON', `${record(1, null)}\n{oops\n`, /line 2 is not a fanout fetch record/],
    ['no line number', `${JSON.stringify({ url: 'http://h/', error: null })}\n`, /line 1 is not a fanout fetch record/],
    ['two records for one line', `${record(1, null)}\n${record(1, 'NOT_ATTEMPTED')}\n`, /two records for input line 1/],
  ])('refuses a file with %s', async (name, text, reason) => {
    const path = await file(`${name.replace(/ /g, '-')}.jsonl`, text);
    const read = readResumeFile(path);
    await expect(read).rejects.toThrow(UsageError);
    await expect(read).rejects.toThrow(reason);
  });
});
