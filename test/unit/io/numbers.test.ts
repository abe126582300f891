import { formatCount, formatMoney, formatMs, formatPrice, roundMoney, roundMs } from '../../../src/io/numbers';

describe('formatMoney', () => {
  it('shows amounts below a dollar with two significant digits, never as $0.0000', () => {
    expect(formatMoney(0.00002, 'USD')).toBe('$0.000020');
    expect(formatMoney(2.0000000000000002e-7, 'USD')).toBe('$0.00000020');
    expect(formatMoney(0.27, 'USD')).toBe('$0.27');
    expect(formatMoney(0.2, 'USD')).toBe('$0.20');
    expect(formatMoney(0.012345, 'USD')).toBe('$0.012');
  });

  it('shows amounts from a dollar up in cents', () => {
    expect(formatMoney(13.3334, 'USD')).toBe('$13.33');
    expect(formatMoney(1_234.5, 'USD')).toBe('$1,234.50');
    expect(formatMoney(0, 'USD')).toBe('$0.00');
    expect(formatMoney(0.5, 'EUR')).toBe('0.50 EUR');
  });
});

describe('formatPrice', () => {
  it('shows a unit price as listed, in cents at least, without float noise', () => {
    expect(formatPrice(0.0000133334 * 1_000_000)).toBe('$13.3334');
    expect(formatPrice((0.2 / 1_000_000) * 1_000_000)).toBe('$0.20');
    expect(formatPrice(0.125)).toBe('$0.125');
    expect(formatPrice(5)).toBe('$5.00');
  });
});

describe('roundMoney', () => {
  it('rounds an amount as formatMoney shows it, so documents carry no float noise', () => {
    expect(roundMoney(2.0000000000000002e-7)).toBe(2e-7);
    expect(roundMoney(0.123456)).toBe(0.12);
    expect(roundMoney(13.3334)).toBe(13.33);
    expect(roundMoney(0)).toBe(0);
    expect(JSON.stringify({ total: roundMoney(0.1 + 0.2) })).toBe('{"total":0.3}');
  });
});

describe('counts and milliseconds', () => {
  it('shows counts as integers and milliseconds to one decimal', () => {
    expect(formatCount(1_184.4)).toBe('1,184');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(850.26)).toBe('850.3 ms');
    expect(formatMs(1_234)).toBe('1.2 s');
    expect(formatMs(null)).toBe('–');
    expect(roundMs(12.345678)).toBe(12.3);
  });
});
