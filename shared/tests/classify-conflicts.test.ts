import { describe, expect, it } from 'vitest';
import { classifyError } from '../src/index.js';

describe('a database conflict reaching the error handler', () => {
  it('is a 409 that says nothing changed and the request may be sent again (a deadlock, a serialization failure)', () => {
    for (const code of ['40P01', '40001']) {
      const problem = classifyError(Object.assign(new Error('deadlock detected'), { code }));
      expect(problem.status).toBe(409);
      expect(problem.message).toMatch(/nothing changed, try again/);
      expect(problem.extra).toEqual({ retryable: true });
    }
  });

  it('leaves other database errors a 500 that tells nothing of the statement', () => {
    const problem = classifyError(Object.assign(new Error('relation "x" does not exist'), { code: '42P01' }));
    expect(problem.status).toBe(500);
    expect(problem.message).toBe('an unexpected error occurred');
  });
});
