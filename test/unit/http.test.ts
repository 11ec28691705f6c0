import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  HttpError,
  ImageNotFoundError,
  InvalidImageError,
  PayloadTooLargeError,
  RateLimitError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../../functions/core/errors';
import { CORS_HEADERS, errorToResponse, JSON_CONTENT_TYPE, json, noContent, success } from '../../functions/transport/http';

type Logged = Array<{ message: string; details: Record<string, unknown> }>;

function mapped(error: unknown, headers: Record<string, string> = {}) {
  const logged: Logged = [];
  const response = errorToResponse(error, (message, details) => logged.push({ message, details }), headers);
  return { response, logged, body: JSON.parse(response.body) as Record<string, unknown> };
}

function expectJsonWithCors(headers: Record<string, unknown> | undefined): void {
  expect(headers?.['Content-Type']).toBe('application/json; charset=utf-8');
  expect(headers?.['Access-Control-Allow-Origin']).toBe('*');
  expect(String(headers?.['Access-Control-Expose-Headers'])).toContain('Retry-After');
  expect(String(headers?.['Access-Control-Expose-Headers'])).toContain('X-RateLimit-Remaining');
}

describe('errorToResponse', () => {
  it.each([
    [new BadRequestError('The request body is empty'), 400, 'The request body is empty'],
    [new InvalidImageError('format svg is not allowed'), 400, 'Invalid image format'],
    [new UnauthorizedError(), 401, 'Missing or invalid API key'],
    [new ImageNotFoundError(), 404, 'Image not found'],
    [new PayloadTooLargeError('Image exceeds the 4 MiB limit'), 413, 'Image exceeds the 4 MiB limit'],
    [new HttpError(409, 'Conflict here'), 409, 'Conflict here'],
  ])('a status below 500 shows its message (%s)', (error, status, message) => {
    const { response, body, logged } = mapped(error);
    expect(response.statusCode).toBe(status);
    expect(body).toEqual({ status: 'error', message });
    expectJsonWithCors(response.headers);
    expect(logged).toEqual([]);
  });

  it('keeps the error headers (429 Retry-After) and the caller headers', () => {
    const { response, body } = mapped(new RateLimitError(42), { 'X-RateLimit-Remaining': '0' });
    expect(response.statusCode).toBe(429);
    expect(body).toEqual({ status: 'error', message: 'Rate limit exceeded' });
    expect(response.headers?.['Retry-After']).toBe('42');
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('0');
  });

  it('an unexpected error is a generic 500: no message, stack or serialized error in the body', () => {
    const secret = new Error('connect to db-internal.example:5432 failed with password hunter2');
    const { response, body, logged } = mapped(secret);
    expect(response.statusCode).toBe(500);
    expect(body).toEqual({ status: 'error', message: 'Internal server error' });
    expect(response.body).not.toContain('hunter2');
    expect(response.body).not.toContain('db-internal');
    expect(response.body).not.toMatch(/at .*\.ts:\d+/);
    expect(response.body).not.toContain('stack');
    expectJsonWithCors(response.headers);
    // The detail goes to the log instead.
    expect(logged).toHaveLength(1);
    expect(logged[0].details.error).toBe(secret);
  });

  it('an HttpError of 500 or more does not show its message either', () => {
    const { response, body } = mapped(new HttpError(500, 'internal detail'));
    expect(response.statusCode).toBe(500);
    expect(body.message).toBe('Internal server error');
  });

  it.each([null, undefined, 'a string', 42, { weird: true }])('a thrown non-error (%s) is a generic 500', (thrown) => {
    const { response, body } = mapped(thrown);
    expect(response.statusCode).toBe(500);
    expect(body).toEqual({ status: 'error', message: 'Internal server error' });
  });

  it.each([
    ['$metadata.httpStatusCode 503', Object.assign(new Error('Service Unavailable'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } })],
    ['ThrottlingException', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })],
    ['ProvisionedThroughputExceededException', Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' })],
    ['S3 SlowDown', Object.assign(new Error('Please reduce your request rate'), { name: 'SlowDown' })],
    ['ECONNREFUSED', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' })],
  ])('an AWS-SDK-like outage (%s) is a 503 with Retry-After and a generic message', (_name, error) => {
    const { response, body, logged } = mapped(error, { 'X-RateLimit-Limit': '1000' });
    expect(response.statusCode).toBe(503);
    expect(body).toEqual({ status: 'error', message: 'Service temporarily unavailable, retry later' });
    expect(Number(response.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(response.headers?.['X-RateLimit-Limit']).toBe('1000');
    expect(response.body).not.toContain((error as Error).message);
    expectJsonWithCors(response.headers);
    expect(logged).toHaveLength(1);
  });

  it('a ServiceUnavailableError is a 503 that keeps its own Retry-After', () => {
    const { response, body } = mapped(new ServiceUnavailableError(7, { cause: new Error('dynamodb down') }));
    expect(response.statusCode).toBe(503);
    expect(body).toEqual({ status: 'error', message: 'Service temporarily unavailable, retry later' });
    expect(response.headers?.['Retry-After']).toBe('7');
    expect(response.body).not.toContain('dynamodb down');
  });

  it('an AWS 4xx that is not throttling (e.g. AccessDenied) is not shown: generic 500', () => {
    const error = Object.assign(new Error('User arn:aws:iam::123:role/x is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const { response, body } = mapped(error);
    expect(response.statusCode).toBe(500);
    expect(body.message).toBe('Internal server error');
    expect(response.body).not.toContain('arn:aws');
  });
});

describe('response helpers', () => {
  it('json/success use the envelope, the JSON content type and CORS', () => {
    const ok = success(201, { id: 'x' }, { Location: '/api/images/x' });
    expect(ok.statusCode).toBe(201);
    expect(JSON.parse(ok.body)).toEqual({ status: 'success', data: { id: 'x' } });
    expect(ok.headers).toMatchObject({ 'Content-Type': JSON_CONTENT_TYPE, ...CORS_HEADERS, Location: '/api/images/x' });
    expect(json(200, { a: 1 }).headers?.['Content-Type']).toBe('application/json; charset=utf-8');
  });

  it('noContent is a 204 with an empty body and CORS', () => {
    const response = noContent();
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers?.['Access-Control-Allow-Origin']).toBe('*');
  });
});
