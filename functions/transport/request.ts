import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type SessionUser, sessionUserOf } from '../core/accounts';
import { UnauthorizedError } from '../core/errors';

/**
 * Reading API Gateway's REST (v1) proxy events: the one place that knows their shape. The local
 * gateway builds the same events, so these hold there too.
 */

/** Who is calling, as the key authorizer established it. */
export interface Caller {
  readonly accountId: string;
  /** The hourly window the request counts in: the key's id, or the account's console window for a session. */
  readonly keyId: string;
}

/** The account and key the key authorizer put in the request context; 401 when absent. */
export function callerFrom(event: APIGatewayProxyEvent): Caller {
  const authorizer = event.requestContext?.authorizer as Record<string, unknown> | null | undefined;
  const accountId = authorizer?.accountId;
  const keyId = authorizer?.keyId;
  if (typeof accountId !== 'string' || typeof keyId !== 'string' || !accountId || !keyId) {
    throw new UnauthorizedError();
  }
  return { accountId, keyId };
}

/** The session's claims as API Gateway's Cognito authorizer passes them (`requestContext.authorizer.claims`). */
export function sessionUserFrom(event: APIGatewayProxyEvent): SessionUser | undefined {
  const authorizer = event.requestContext?.authorizer as { claims?: unknown } | null | undefined;
  const claims = authorizer?.claims;
  if (typeof claims !== 'object' || claims === null) return undefined;
  return sessionUserOf(claims as Record<string, unknown>);
}

export function lowerCaseHeaders(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}

/** One request header, whatever its casing. */
export function headerOf(event: Pick<APIGatewayProxyEvent, 'headers'>, name: string): string | undefined {
  return lowerCaseHeaders(event.headers)[name.toLowerCase()];
}

/**
 * The path the API sits under as the client called it: `/v1` on the execute-api domain (the
 * stage), a base path on a mapped custom domain, '' locally. `Location` headers start with it.
 */
export function apiPathPrefix(event: APIGatewayProxyEvent): string {
  const fullPath = event.requestContext?.path ?? event.path;
  return fullPath && event.path && fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
}

/**
 * The base URL a client reached us on: the configured public URL, or scheme + host + the
 * stage prefix API Gateway adds (requestContext.path minus the resource path).
 */
export function baseUrlFrom(event: APIGatewayProxyEvent, configured: string | undefined): string {
  if (configured) return configured;
  const headers = lowerCaseHeaders(event.headers);
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  return `${proto}://${host}${apiPathPrefix(event)}`;
}

/** The query string as the client sent it (every value of a repeated name, in order), with its `?`; '' when none. */
export function searchOf(event: Pick<APIGatewayProxyEvent, 'multiValueQueryStringParameters'>): string {
  const query = new URLSearchParams();
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    for (const value of values ?? []) query.append(name, value);
  }
  return query.size > 0 ? `?${query.toString()}` : '';
}
