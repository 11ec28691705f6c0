import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { SessionUser } from '../core/accounts';
import { HttpError } from '../core/errors';
import type { ApiHandler } from './api-handler';
import { invoke } from './invocation';
import { sessionUserFrom } from './request';

export type SessionRoute = (event: APIGatewayProxyEvent, user: SessionUser) => Promise<APIGatewayProxyResult>;

/** The session's claims are missing: only when the route is deployed without its Cognito authorizer. */
export class NoSessionError extends HttpError {
  constructor() {
    super(401, 'Not signed in');
  }
}

/**
 * Wraps an account route of the console: the Cognito authorizer has verified the ID token, and the
 * route gets the person it names. Account routes are not metered by the hourly key quota (they
 * carry no key). Every error goes through `errorToResponse`; a route never throws out of here.
 */
export function sessionHandler(route: SessionRoute): ApiHandler {
  return async (event, context) =>
    invoke({
      requestId: event.requestContext?.requestId,
      context,
      work: async () => {
        const user = sessionUserFrom(event);
        if (!user) throw new NoSessionError();
        return await route(event, user);
      },
    });
}
