import { Writable } from 'node:stream';
import { OutputError } from '../../../src/errors';
import { JsonlWriter } from '../../../src/io/jsonl-writer';

/** A stream that takes `accept` writes, then fails every later one as a full disk does. */
function fillingStream(accept: number): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  let writes = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (++writes > accept) {
        callback(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
        return;
      }
      lines.push(...chunk.toString().trim().split('\n'));
      callback();
    },
  });
  return { stream, lines };
}

const tick = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('JsonlWriter', () => {
  it('writes one JSON line per record and flushes them on close', async () => {
    const { stream, lines } = fillingStream(Number.POSITIVE_INFINITY);
    const writer = new JsonlWriter(stream, 'out.jsonl');
    void writer.write({ n: 1 });
    void writer.write({ n: 2 });
    await writer.close();
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('turns a failed write mid-run into a rejected write, then a rejected close, naming the output', async () => {
    const { stream, lines } = fillingStream(1);
    const writer = new JsonlWriter(stream, 'out.jsonl');
    expect(writer.write({ n: 1 })).toBeUndefined();
    await tick();
    void writer.write({ n: 2 });
    await tick();
    const later = writer.write({ n: 3 });
    await expect(later).rejects.toBeInstanceOf(OutputError);
    await expect(later).rejects.toThrow('cannot write results to out.jsonl: ENOSPC: no space left on device, write');
    await expect(writer.close()).rejects.toMatchObject({ code: 'OUTPUT' });
    expect(lines).toEqual(['{"n":1}']);
  });

  it('rejects close when the last buffered write fails', async () => {
    const { stream } = fillingStream(0);
    const writer = new JsonlWriter(stream, 'out.jsonl');
    void writer.write({ n: 1 });
    await expect(writer.close()).rejects.toMatchObject({ code: 'OUTPUT' });
  });
});
