/**
 * What a caller gets for an error a core throws, read through the API's one mapping (functions/lib/http.ts): the
 * cores know no status codes, so their tests ask errorResponse, as the handlers do. Anything that is not a known
 * refusal is rethrown, so a crash never passes for a 500 the test expected.
 */
import { DomainError } from '../../functions/lib/errors';
import { errorResponse, HttpError, type ErrorBody } from '../../functions/lib/http';

export interface Refusal {
  statusCode: number;
  code: string;
}

export function answerTo(error: unknown): Refusal {
  if (!(error instanceof DomainError || error instanceof HttpError)) throw error;
  const response = errorResponse(error);
  return { statusCode: response.statusCode ?? 0, code: (JSON.parse(response.body ?? '') as ErrorBody).error.code };
}

/** The refusal of a synchronous act; fails when the act is accepted. */
export function refusal(act: () => unknown): Refusal {
  try {
    act();
  } catch (error) {
    return answerTo(error);
  }
  throw new Error('expected a refusal, and it was accepted');
}

/** The refusal a promise rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    return answerTo(error);
  }
  throw new Error('expected a refusal, and it was accepted');
}
