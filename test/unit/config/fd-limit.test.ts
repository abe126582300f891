import { defaultSocketBudget, openFileLimit } from '../../../src/config/fd-limit';

describe('defaultSocketBudget', () => {
  it('stays well under the open-file limit', () => {
    expect(defaultSocketBudget(1024)).toBe(768);
    expect(defaultSocketBudget(256)).toBe(128);
    expect(defaultSocketBudget(20_000)).toBe(15_000);
    expect(defaultSocketBudget(1_048_576)).toBe(50_000);
    expect(defaultSocketBudget(64)).toBe(16);
  });

  it('reads this process’s limit', () => {
    expect(openFileLimit()).toBeGreaterThanOrEqual(64);
  });
});
