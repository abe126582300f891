import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readResumeFile } from '../../../src/cli/resume-file';
import { readPrevious } from '../../../src/cli/since';
import type { FetchResult } from '../../../src/fetch/result';
import { JsonlWriter } from '../../../src/io/jsonl-writer';
import { readRecords } from '../../../src/report/read-records';
import { AWKWARD_TEXT, awkwardRecords } from '../../support/awkward-records';

describe('JSON lines we write read back through every reader', () => {
  let dir: string;
  let path: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fanout-jsonl-'));
    path = join(dir, 'out.jsonl');
    const handle = await open(path, 'w');
    const writer = new JsonlWriter(handle.createWriteStream(), path);
    for (const r of awkwardRecords()) await writer.write(r);
    await writer.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one line per record, with no raw separator in it', async () => {
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(5);
    expect(text).not.toMatch(/[\u2028\u2029]/);
  });

  it('reads back in `fanout report` (readRecords)', async () => {
    const read: FetchResult[] = [];
    for await (const r of readRecords(createReadStream(path))) read.push(r);
    expect(read).toEqual(awkwardRecords());
  });

  it('reads back in `--resume`', async () => {
    const state = await readResumeFile(path);
    expect([...state.urls.entries()]).toEqual(awkwardRecords().map((r) => [r.line, r.url]));
    expect([...state.done].sort()).toEqual([1, 2, 4]);
  });

  it('reads back in `--since`', async () => {
    const previous = await readPrevious(path);
    expect([...previous.keys()]).toContain(`http://a.test/${AWKWARD_TEXT}/2`);
  });
});
