import { escapeLineSeparators, jsonLine } from '../../../src/io/json-line';
import { AWKWARD_TEXT } from '../../support/awkward-records';

describe('jsonLine', () => {
  it('writes any value as one line with no raw line break or separator, read back unchanged', () => {
    for (const value of [{ url: `http://a.test/${AWKWARD_TEXT}` }, AWKWARD_TEXT, [AWKWARD_TEXT, { [AWKWARD_TEXT]: 1 }]]) {
      const line = jsonLine(value);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(JSON.parse(line)).toEqual(value);
    }
  });

  it('escapes every separator in every call (no state kept between calls)', () => {
    for (let i = 0; i < 3; i++) expect(escapeLineSeparators('"\u2028a\u2029"')).toBe('"\\u2028a\\u2029"');
    expect(escapeLineSeparators('"plain"')).toBe('"plain"');
  });
});
