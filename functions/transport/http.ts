import type { APIGatewayProxyResult } from 'aws-lambda';
import { HttpError, ServiceUnavailableError } from '../core/errors';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Headers every response carries so browsers on other origins can read it. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers':
    'Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, RateLimit-Policy, RateLimit, Idempotent-Replayed',
};

export type Headers = Record<string, string>;

/** The one JSON response helper: every body the API produces goes through here. */
export function json(statusCode: number, body: unknown, headers: Headers = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': JSON_CONTENT_TYPE, ...CORS_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function success(statusCode: number, data: unknown, headers: Headers = {}): APIGatewayProxyResult {
  return json(statusCode, { status: 'success', data }, headers);
}

export function errorBody(message: string): { status: 'error'; message: string } {
  return { status: 'error', message };
}

export function noContent(headers: Headers = {}): APIGatewayProxyResult {
  return { statusCode: 204, headers: { ...CORS_HEADERS, ...headers }, body: '' };
}

/** Error names the AWS SDK uses when a service is unavailable or throttling us. */
const UNAVAILABLE_NAMES = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalError',
  'SlowDown',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

/** True when an error means "a storage service is down or overloaded", worth a 503 and a retry. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.name && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code && UNAVAILABLE_NAMES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === 500 || status === 502 || status === 503 || status === 504;
}

export type ErrorLogger = (message: string, details: Record<string, unknown>) => void;

/**
 * The one error-to-response function. An HttpError below 500 shows its message; storage
 * outages become a 503 with Retry-After; anything else is a generic 500 whose detail goes to
 * the log only.
 */
export function errorToResponse(error: unknown, log: ErrorLogger, headers: Headers = {}): APIGatewayProxyResult {
  if (error instanceof HttpError && error.statusCode < 500) {
    return json(error.statusCode, errorBody(error.message), { ...headers, ...error.headers });
  }
  if (isUnavailable(error)) {
    log('storage unavailable', { error });
    const retry = error instanceof ServiceUnavailableError ? error.retryAfterSeconds : 5;
    return json(503, errorBody('Service temporarily unavailable, retry later'), {
      ...headers,
      'Retry-After': String(retry),
    });
  }
  log('unexpected error', { error });
  return json(500, errorBody('Internal server error'), headers);
}
