import { describe, expect, it } from 'vitest';
import { apiHandler, type Route } from '../../functions/transport/api-handler';
import { baseUrlFrom, callerFrom } from '../../functions/transport/request';
import { BadRequestError, ImageNotFoundError, UnauthorizedError } from '../../functions/core/errors';
import { success } from '../../functions/transport/http';
import { apiEvent, BASE_URL, bodyOf, FakeCounter, KEY_ID, NOW_MS, quotaWith } from './support/fakes';

const RATE_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'RateLimit-Policy', 'RateLimit'];

function routeRecording(result = success(200, { ok: true })) {
  const calls: Array<Parameters<Route>> = [];
  const route: Route = async (event, context) => {
    calls.push([event, context]);
    await context.admitted;
    return result;
  };
  return { route, calls };
}

describe('apiHandler', () => {
  it.each([
    ['no authorizer context', apiEvent({ accountId: null })],
    ['an empty accountId', apiEvent({ accountId: '' })],
    ['no keyId', apiEvent({ keyId: '' })],
  ])('answers 401 with %s, without counting or calling the route', async (_name, event) => {
    const counter = new FakeCounter();
    const { route, calls } = routeRecording();
    const response = await apiHandler({ quota: quotaWith(counter), publicBaseUrl: undefined }, route)(event);
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Missing or invalid API key' });
    expect(counter.calls).toBe(0);
    expect(calls).toHaveLength(0);
  });

  it('passes the caller and the base URL to the route and adds the rate-limit headers on success', async () => {
    const { route, calls } = routeRecording();
    const response = await apiHandler({ quota: quotaWith(new FakeCounter(), 1000), publicBaseUrl: undefined }, route)(apiEvent());
    expect(response.statusCode).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0][1].caller).toEqual({ accountId: 'acct_alice000000000000000', keyId: KEY_ID });
    expect(calls[0][1].baseUrl).toBe(BASE_URL);
    for (const name of RATE_HEADERS) expect(response.headers?.[name]).toBeDefined();
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('999');
    expect(response.headers?.['Content-Type']).toBe('application/json; charset=utf-8');
  });

  it('counts against the caller key id', async () => {
    const counter = new FakeCounter();
    const { route } = routeRecording();
    await apiHandler({ quota: quotaWith(counter), publicBaseUrl: undefined }, route)(apiEvent({ keyId: 'key_other' }));
    expect([...counter.counts.keys()]).toEqual([`key_other#${Math.floor(NOW_MS / 3_600_000) * 3600}`]);
  });

  it('maps route errors through errorToResponse and still adds the rate-limit headers', async () => {
    const handler = apiHandler({ quota: quotaWith(), publicBaseUrl: undefined }, async () => {
      throw new ImageNotFoundError();
    });
    const response = await handler(apiEvent());
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Image not found' });
    expect(response.headers?.['X-RateLimit-Remaining']).toBe('999');
    for (const name of RATE_HEADERS) expect(response.headers?.[name]).toBeDefined();
  });

  it('an unexpected route error is a generic 500 with the rate-limit headers', async () => {
    const handler = apiHandler({ quota: quotaWith(), publicBaseUrl: undefined }, async () => {
      throw new TypeError('cannot read x of undefined at secret.ts:12');
    });
    const response = await handler(apiEvent());
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Internal server error' });
    expect(response.headers?.['X-RateLimit-Limit']).toBe('1000');
  });

  it('a refused window answers 429 with Retry-After and does not run the route', async () => {
    const counter = new FakeCounter();
    const quota = quotaWith(counter, 1);
    const { route, calls } = routeRecording();
    const handler = apiHandler({ quota, publicBaseUrl: undefined }, route);
    expect((await handler(apiEvent())).statusCode).toBe(200);
    const refused = await handler(apiEvent());
    expect(refused.statusCode).toBe(429);
    expect(bodyOf(refused)).toEqual({ status: 'error', message: 'Rate limit exceeded' });
    // NOW_MS is 10:15:00, so 45 minutes remain in the window.
    expect(refused.headers?.['Retry-After']).toBe('2700');
    expect(refused.headers?.['X-RateLimit-Remaining']).toBe('0');
    expect(calls).toHaveLength(1);
  });

  it('with overlapQuota, a refused window still answers 429 even if the route fails parsing', async () => {
    const quota = quotaWith(new FakeCounter(), 1);
    let routeRuns = 0;
    const handler = apiHandler({ quota, publicBaseUrl: undefined, overlapQuota: true }, async () => {
      routeRuns += 1;
      throw new BadRequestError('Malformed multipart/form-data body');
    });
    const first = await handler(apiEvent());
    expect(first.statusCode).toBe(400);
    expect(first.headers?.['X-RateLimit-Remaining']).toBe('0');
    const second = await handler(apiEvent());
    expect(second.statusCode).toBe(429);
    expect(bodyOf(second).message).toBe('Rate limit exceeded');
    expect(second.headers?.['Retry-After']).toBe('2700');
    expect(routeRuns).toBe(2);
  });

  it('with overlapQuota, a route awaiting admission gets the 429 before any side effect', async () => {
    const quota = quotaWith(new FakeCounter(), 1);
    const sideEffects: string[] = [];
    const handler = apiHandler({ quota, publicBaseUrl: undefined, overlapQuota: true }, async (_event, context) => {
      await context.admitted;
      sideEffects.push('stored');
      return success(201, {});
    });
    expect((await handler(apiEvent())).statusCode).toBe(201);
    expect((await handler(apiEvent())).statusCode).toBe(429);
    expect(sideEffects).toEqual(['stored']);
  });

  it.each([false, true])('fails closed: a throwing counter gives 503 with Retry-After (overlapQuota %s)', async (overlapQuota) => {
    const counter = new FakeCounter();
    counter.failWith = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    const { route, calls } = routeRecording();
    const response = await apiHandler({ quota: quotaWith(counter), publicBaseUrl: undefined, overlapQuota }, route)(apiEvent());
    expect(response.statusCode).toBe(503);
    expect(bodyOf(response)).toEqual({ status: 'error', message: 'Service temporarily unavailable, retry later' });
    expect(Number(response.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(response.body).not.toContain('ECONNREFUSED');
    // The route may start (overlap) but never gets past admission.
    expect(calls.length).toBe(overlapQuota ? 1 : 0);
  });

  it('fails closed even for a counter error that is not an outage', async () => {
    const counter = new FakeCounter();
    counter.failWith = new Error('AccessDeniedException');
    const response = await apiHandler({ quota: quotaWith(counter), publicBaseUrl: undefined }, routeRecording().route)(apiEvent());
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBeDefined();
  });

  it('uses the configured public base URL when there is one', async () => {
    const { route, calls } = routeRecording();
    await apiHandler({ quota: quotaWith(), publicBaseUrl: 'https://img.example.com' }, route)(apiEvent());
    expect(calls[0][1].baseUrl).toBe('https://img.example.com');
  });
});

describe('callerFrom / baseUrlFrom', () => {
  it('callerFrom throws UnauthorizedError without context', () => {
    expect(() => callerFrom(apiEvent({ accountId: null }))).toThrow(UnauthorizedError);
    expect(callerFrom(apiEvent())).toEqual({ accountId: 'acct_alice000000000000000', keyId: KEY_ID });
  });

  it('baseUrlFrom keeps the stage prefix and the forwarded scheme', () => {
    const event = apiEvent({ path: '/api/images/abc' });
    expect(baseUrlFrom(event, undefined)).toBe(BASE_URL);
    const local = apiEvent({ headers: { host: '127.0.0.1:3000', 'x-forwarded-proto': 'http' } });
    local.requestContext.path = '/api/images';
    expect(baseUrlFrom(local, undefined)).toBe('http://127.0.0.1:3000');
  });
});
