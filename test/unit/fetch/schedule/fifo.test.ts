import { Fifo } from '../../../../src/fetch/schedule/fifo';

describe('Fifo', () => {
  it('keeps order across growth, unshift and shift', () => {
    const fifo = new Fifo<number>();
    for (let i = 0; i < 40; i++) fifo.push(i);
    fifo.unshift(-1);
    const out: number[] = [];
    for (let v = fifo.shift(); v !== undefined; v = fifo.shift()) out.push(v);
    expect(out).toEqual([-1, ...Array.from({ length: 40 }, (_, i) => i)]);
    expect(fifo.length).toBe(0);
  });
});
