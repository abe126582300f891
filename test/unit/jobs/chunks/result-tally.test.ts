import { FETCH_ERROR_CODES } from '../../../../src/errors';
import { NO_RESULTS, tallyResults } from '../../../../src/jobs/chunks/result-tally';
import { fakeResult } from '../fakes';

describe('tallyResults', () => {
  it('sums the bytes and counts the failed records by code', () => {
    const results = [
      { ...fakeResult({ url: 'http://127.0.0.1/1', line: 1 }), bytes: 100 },
      { ...fakeResult({ url: 'http://127.0.0.1/2', line: 2 }), bytes: 23 },
      fakeResult({ url: 'http://127.0.0.1/3', line: 3 }, FETCH_ERROR_CODES.TIMEOUT_TOTAL),
      fakeResult({ url: 'http://127.0.0.1/4', line: 4 }, FETCH_ERROR_CODES.TIMEOUT_TOTAL),
      fakeResult({ url: 'http://127.0.0.1/5', line: 5 }, FETCH_ERROR_CODES.HTTP_STATUS),
    ];
    expect(tallyResults(results)).toEqual({ bytes: 123, errors: { TIMEOUT_TOTAL: 2, HTTP_STATUS: 1 } });
    expect(tallyResults([])).toEqual(NO_RESULTS);
  });
});
