import { Readable } from 'node:stream';
import { readRecords, RecordsFileError } from '../../../src/report/read-records';
import { record } from './records';

async function all(text: string) {
  const out = [];
  for await (const r of readRecords(Readable.from([text]))) out.push(r);
  return out;
}

describe('readRecords', () => {
  it('yields each record of a JSON-lines file, skipping blank lines and reading CRLF', async () => {
    const lines = [record(1, 'http://a.test/'), record(2, 'http://b.test/', { code: 'DNS' })].map((r) => JSON.stringify(r));
    const records = await all(`${lines[0]}\r\n\n${lines[1]}\n`);
    expect(records.map((r) => r.url)).toEqual(['http://a.test/', 'http://b.test/']);
  });

  it.each([
    ['a line that is not JSON', `${JSON.stringify(record(1, 'http://a.test/'))}\n{"url":\n`, 'NOT_JSON', 2, 'line 2 is not JSON'],
    [
      'a JSON value that is not a record',
      `\n\n["http://a.test/"]\n`,
      'NOT_A_RECORD',
      3,
      'line 3 is not a fanout result record (not a JSON object)',
    ],
    [
      'a record without timings',
      `${JSON.stringify({ ...record(1, 'http://a.test/'), timings: null })}\n`,
      'NOT_A_RECORD',
      1,
      'no `timings.total`',
    ],
  ])('names the line of %s', async (_label, text, code, line, message) => {
    const error = await all(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordsFileError);
    expect(error).toMatchObject({ code, line });
    expect((error as Error).message).toContain(message);
  });
});
