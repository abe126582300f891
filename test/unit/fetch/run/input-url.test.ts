import { BadUrlError } from '../../../../src/errors';
import { parseInputUrl } from '../../../../src/fetch/run/input-url';

describe('parseInputUrl', () => {
  it('parses an absolute URL', () => {
    expect(parseInputUrl('https://example.com/a?b=c', 100).href).toBe('https://example.com/a?b=c');
  });

  it.each([
    ['http://a/x\ty', 'U+0009', 11],
    ['http://a/x\ny', 'U+000A', 11],
    ['http://a/\u0000', 'U+0000', 10],
    ['http://a/\u007f', 'U+007F', 10],
    ['http://a/\u0085', 'U+0085', 10],
  ])('refuses %j, naming the control character and where it is', (text, code, position) => {
    expect(() => parseInputUrl(text, 100)).toThrow(new BadUrlError(`URL contains a control character (${code}) at position ${position}`));
  });

  it('refuses text longer than the limit before parsing it', () => {
    expect(() => parseInputUrl(`http://a/${'x'.repeat(20)}`, 16)).toThrow('URL is longer than 16 characters');
  });

  it('refuses what is not an absolute URL', () => {
    expect(() => parseInputUrl('/relative', 100)).toThrow(new BadUrlError('not a valid absolute URL'));
  });
});
