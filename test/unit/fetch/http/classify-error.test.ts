import { classifyError } from '../../../../src/fetch/http/classify-error';

describe('classifyError', () => {
  it.each(['EMFILE', 'ENFILE'])('makes running out of file descriptors (%s) a retryable CONNECT, never INTERNAL', (code) => {
    const error = classifyError(Object.assign(new Error('too many open files'), { code }));
    expect(error.code).toBe('CONNECT');
    expect(error.message).toContain(code);
  });
});
