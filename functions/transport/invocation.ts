import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { logger } from '../runtime/logger';
import { errorToResponse, type ErrorLogger, type Headers } from './http';

/** `errorToResponse`'s log: the shared structured logger, keyed to the request being handled. */
export const logError: ErrorLogger = (message, details) => logger.error(message, details as never);

export interface Invocation<R> {
  /** API Gateway's request id: every line logged for the request carries it. */
  readonly requestId: string | undefined;
  readonly context?: Context;
  /** The route's work; whatever it throws is answered by `recover`. */
  readonly work: () => Promise<R>;
  /** The answer to an error (by default `errorToResponse` with the logger, which fits every HTTP result); never throws. */
  readonly recover?: (error: unknown) => R | Promise<R>;
  /** Runs after the answer is ready, on every path (metrics are written here). */
  readonly finish?: () => Promise<void>;
}

/**
 * The one request wrapper of every HTTP function: the logger keyed to the request, every error
 * mapped through `errorToResponse` (a route never throws out of here), the keys dropped again
 * when it is done so the next request on the container does not inherit them.
 */
export async function invoke<R = APIGatewayProxyResult>(invocation: Invocation<R>): Promise<R> {
  if (invocation.context) logger.addContext(invocation.context);
  logger.appendKeys({ requestId: invocation.requestId });
  try {
    return await invocation.work();
  } catch (error) {
    return invocation.recover ? await invocation.recover(error) : (errorToResponse(error, logError) as R);
  } finally {
    await invocation.finish?.();
    logger.removeKeys(['requestId']);
  }
}

/** `errorToResponse` with the logger, for a `recover` that adds headers of its own. */
export function errorResponse(error: unknown, headers: Headers = {}): ReturnType<typeof errorToResponse> {
  return errorToResponse(error, logError, headers);
}
