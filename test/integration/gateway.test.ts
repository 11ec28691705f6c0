import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HANDLERS, type HandlerName } from '../../functions/routes';
import { createLocalGateway, type LocalGateway, type ProxyHandler } from '../../local/gateway';
import { expectError, expectRateLimitHeaders, fixture, imageForm, JSON_TYPE } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';
import { rawExchange, sendAndAbort } from '../support/raw-http';

describe('the local API gateway (real handlers)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(async () => {
    await api.stop();
  });

  it.each([
    { method: 'GET', path: '/nope' },
    { method: 'GET', path: '/api' },
    { method: 'GET', path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA/extra' },
    { method: 'PUT', path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA' },
    { method: 'POST', path: '/image/AAAAAAAAAAAAAAAAAAAAAA' },
  ])('$method $path (no such route) -> 404 "Not found" with CORS, key or not', async ({ method, path }) => {
    for (const key of [undefined, null]) {
      const response = await api.call(path, { method, key });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      await expectError(response, 404, 'Not found');
    }
  });

  it('OPTIONS preflight -> 204 with CORS headers, no key needed', async () => {
    const response = await api.call('/api/images/upload', {
      method: 'OPTIONS',
      key: null,
      headers: {
        Origin: 'https://app.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const methods = (response.headers.get('access-control-allow-methods') ?? '').split(',');
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE', 'OPTIONS']));
    const allowed = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type']));
  });

  it('error responses made by handlers carry CORS headers too', async () => {
    const missing = await api.call('/api/images/AAAAAAAAAAAAAAAAAAAAAA');
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    // Browsers may only read the rate-limit headers if they are exposed.
    expect(missing.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Remaining');
    expectRateLimitHeaders(missing);
    await expectError(missing, 404, 'Image not found');

    const bad = await api.call('/api/images?limit=abc');
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
    await expectError(bad, 400, 'limit must be an integer from 1 to 100');
  });

  it('survives clients that abort mid-body or send garbage, and keeps serving', async () => {
    const form = imageForm(fixture('sample.png'), 'a.png');
    const request = new Request(`${api.url}/api/images/upload`, { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    const head =
      `POST /api/images/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${api.devKey}\r\n` +
      `Content-Type: ${request.headers.get('content-type')}\r\nContent-Length: ${body.byteLength}\r\n\r\n`;
    // The local gateway logs each abort ("local gateway error ... aborted"); keep the run quiet.
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      // Headers and half the body, then gone.
      await sendAndAbort(api.url, Buffer.concat([Buffer.from(head), body.subarray(0, body.byteLength >> 1)]));
      // Headers only, then gone.
      await sendAndAbort(api.url, head);
      // Once the server has seen both connections close it still answers.
      expect((await api.call('/api/images')).status).toBe(200);
    } finally {
      quiet.mockRestore();
    }
    // Not HTTP at all: the server answers 400 and closes.
    expect(await rawExchange(api.url, 'HELLO\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);

    const after = await api.call('/api/images/upload', { method: 'POST', body: form });
    expect(after.status).toBe(201);
    expect((await api.call('/api/images')).status).toBe(200);
  });
});

describe('createLocalGateway with fake handlers', () => {
  const GOOD = 'Bearer good_key_0123456789abcdef';
  const DENIED = 'Bearer denied_key_0123456789abcdef';
  const BROKEN = 'Bearer broken_key_0123456789abcdef';
  let clock = Date.UTC(2026, 10, 26, 12);
  let authorizerCalls: string[] = [];
  let lastEvent: APIGatewayProxyEvent | undefined;
  const reported: string[] = [];
  let gateway: LocalGateway;
  let url: string;

  const ok: ProxyHandler = async (event) => {
    lastEvent = event;
    return { statusCode: 200, headers: { 'Content-Type': JSON_TYPE }, body: JSON.stringify({ status: 'success', data: {} }) };
  };

  /** The public view route (no authorizer) misbehaves on demand, by image id. */
  const misbehaving: ProxyHandler = async (event, context) => {
    switch (event.pathParameters?.image_id) {
      case 'throws':
        throw new Error('boom: a bug in the handler');
      case 'hangs':
        return new Promise(() => undefined);
      case 'returns-nothing':
        return undefined as never;
      default:
        return ok(event, context);
    }
  };

  const authorizer = async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    authorizerCalls.push(event.authorizationToken);
    if (event.authorizationToken === BROKEN) throw new Error('keys table unreachable');
    if (event.authorizationToken !== GOOD) throw new Error('Unauthorized');
    return {
      principalId: 'acct_test',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
      context: { accountId: 'acct_test', keyId: 'key_test' },
      usageIdentifierKey: 'good_key_0123456789abcdef',
    };
  };

  beforeAll(async () => {
    const handlers = Object.fromEntries(Object.keys(HANDLERS).map((name) => [name, ok])) as Record<HandlerName, ProxyHandler>;
    handlers.ViewImage = misbehaving;
    gateway = createLocalGateway({
      handlers,
      authorizer,
      usagePlan: { rate: 1000, burst: 1000, dailyQuota: 100_000 },
      authCacheSeconds: 60,
      timeoutMs: 200,
      now: () => clock,
      onError: (message) => reported.push(message),
    });
    url = await gateway.listen();
  });
  afterAll(() => gateway.close());

  it('a handler that throws -> 502 envelope, and the server keeps serving', async () => {
    const response = await fetch(`${url}/image/throws`);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    await expectError(response, 502, 'Internal server error');
    expect(reported).toContain('handler ViewImage failed');

    await expectError(await fetch(`${url}/image/returns-nothing`), 502, 'Internal server error');
    expect((await fetch(`${url}/image/fine`)).status).toBe(200);
  });

  it('a handler that hangs past timeoutMs -> 504 envelope, and the server keeps serving', async () => {
    const response = await fetch(`${url}/image/hangs`);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    await expectError(response, 504, 'Request timed out');
    expect(reported).toContain('handler ViewImage timed out');
    expect((await fetch(`${url}/image/fine`)).status).toBe(200);
  });

  it('a client that aborts mid-body reaches no handler and does not crash the server', async () => {
    lastEvent = undefined;
    await sendAndAbort(
      url,
      'POST /image/fine HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"partial":',
    );
    expect(lastEvent).toBeUndefined();
    expect((await fetch(`${url}/image/fine`)).status).toBe(200);
  });

  it('caches authorizer results per token until the TTL or a flush', async () => {
    authorizerCalls = [];
    const call = (token: string): Promise<Response> => fetch(`${url}/api/images`, { headers: { Authorization: token } });

    expect((await call(GOOD)).status).toBe(200);
    expect((await call(GOOD)).status).toBe(200);
    expect(authorizerCalls).toEqual([GOOD]);

    // Refusals are cached too, like API Gateway's.
    await expectError(await call(DENIED), 401, 'Missing or invalid API key');
    await expectError(await call(DENIED), 401, 'Missing or invalid API key');
    expect(authorizerCalls).toEqual([GOOD, DENIED]);

    clock += 61_000;
    expect((await call(GOOD)).status).toBe(200);
    expect(authorizerCalls).toEqual([GOOD, DENIED, GOOD]);

    gateway.flushAuthCache();
    expect((await call(GOOD)).status).toBe(200);
    expect(authorizerCalls).toEqual([GOOD, DENIED, GOOD, GOOD]);

    // A token of the wrong shape never reaches the authorizer.
    await expectError(await call('Basic abc'), 401, 'Missing or invalid API key');
    expect(authorizerCalls).toHaveLength(4);
  });

  it('an authorizer that fails (not "Unauthorized") -> 503 with Retry-After, not a crash', async () => {
    const response = await fetch(`${url}/api/images`, { headers: { Authorization: BROKEN } });
    expect(response.headers.get('retry-after')).toBe('5');
    await expectError(response, 503, 'Service temporarily unavailable, retry later');
    expect(reported).toContain('authorizer failed');
  });

  it('builds REST v1 proxy events: authorizer context, header casing kept, multipart base64-encoded', async () => {
    const bytes = fixture('sample.png');
    const response = await fetch(`${url}/api/images/upload?x=1`, {
      method: 'POST',
      headers: { Authorization: GOOD, 'X-Custom-Header': 'Kept' },
      body: imageForm(bytes, 'a.png'),
    });
    expect(response.status).toBe(200);
    const event = lastEvent!;
    expect(event).toMatchObject({
      resource: '/api/images/upload',
      path: '/api/images/upload',
      httpMethod: 'POST',
      isBase64Encoded: true,
      queryStringParameters: { x: '1' },
      requestContext: { authorizer: { accountId: 'acct_test', keyId: 'key_test' }, identity: { apiKey: 'good_key_0123456789abcdef' } },
    });
    expect(event.headers['X-Custom-Header']).toBe('Kept');
    expect(Buffer.from(event.body!, 'base64').includes(bytes)).toBe(true);
  });
});
