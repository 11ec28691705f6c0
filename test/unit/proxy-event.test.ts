import { describe, expect, it } from 'vitest';
import { buildProxyEvent, methodArn, proxyEventBytes, type ReceivedRequest, type RoutedRequest } from '../../local/proxy-event';

/** The local gateway's REST v1 proxy event, from a request as node:http hands it over. */

const RECEIVED_AT = Date.parse('2031-03-04T12:00:00.250Z');

function received(overrides: Partial<ReceivedRequest> = {}): ReceivedRequest {
  return {
    method: 'GET',
    url: new URL('http://local/api/images/AAAAAAAAAAAAAAAAAAAAAA'),
    headers: { host: '127.0.0.1:3000', 'user-agent': 'curl/8', authorization: 'Bearer k' },
    rawHeaders: ['Host', '127.0.0.1:3000', 'User-Agent', 'curl/8', 'Authorization', 'Bearer k'],
    httpVersion: '1.1',
    remoteAddress: '127.0.0.9',
    body: Buffer.alloc(0),
    ...overrides,
  };
}

const routed: RoutedRequest = {
  resource: '/api/images/{image_id}',
  pathParameters: { image_id: 'AAAAAAAAAAAAAAAAAAAAAA' },
  authorizer: { principalId: 'acct_1', keyId: 'key_1', integrationLatency: 3 },
  apiKey: 'usage_1',
  requestId: 'req-1',
  receivedAt: RECEIVED_AT,
};

describe('buildProxyEvent', () => {
  it('fills the event and its request context the way API Gateway does for a keyed GET', () => {
    const event = buildProxyEvent(received(), routed);
    expect(event).toMatchObject({
      resource: '/api/images/{image_id}',
      path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA',
      httpMethod: 'GET',
      headers: { Host: '127.0.0.1:3000', 'User-Agent': 'curl/8', Authorization: 'Bearer k', 'X-Forwarded-Proto': 'http' },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { image_id: 'AAAAAAAAAAAAAAAAAAAAAA' },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
    expect(event.requestContext).toMatchObject({
      authorizer: routed.authorizer,
      domainName: '127.0.0.1:3000',
      extendedRequestId: 'req-1',
      requestId: 'req-1',
      httpMethod: 'GET',
      path: '/api/images/AAAAAAAAAAAAAAAAAAAAAA',
      protocol: 'HTTP/1.1',
      requestTime: 'Tue, 04 Mar 2031 12:00:00 GMT',
      requestTimeEpoch: RECEIVED_AT,
      resourcePath: '/api/images/{image_id}',
      stage: 'local',
    });
    expect(event.requestContext.identity).toMatchObject({ apiKey: 'usage_1', sourceIp: '127.0.0.9', userAgent: 'curl/8' });
  });

  it('keeps header casing and repeats: the last value in headers, every value in multiValueHeaders', () => {
    const event = buildProxyEvent(
      received({ rawHeaders: ['X-Custom-Header', 'one', 'x-custom-header', 'lower', 'X-Custom-Header', 'two'], headers: {} }),
      routed,
    );
    expect(event.headers).toEqual({ 'X-Custom-Header': 'two', 'x-custom-header': 'lower', 'X-Forwarded-Proto': 'http' });
    expect(event.multiValueHeaders).toEqual({ 'X-Custom-Header': ['one', 'two'], 'x-custom-header': ['lower'], 'X-Forwarded-Proto': ['http'] });
    // Without a Host header or a peer address, the gateway's own defaults.
    expect(event.requestContext.domainName).toBe('127.0.0.1');
    expect(event.requestContext.identity.userAgent).toBeNull();
  });

  it('passes the query as single (last wins) and multi-value parameters', () => {
    const event = buildProxyEvent(received({ url: new URL('http://local/api/images?limit=5&cursor=a&cursor=b') }), routed);
    expect(event.queryStringParameters).toEqual({ limit: '5', cursor: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ limit: ['5'], cursor: ['a', 'b'] });
  });

  it('base64-encodes a binary media type body and passes any other body as text', () => {
    const bytes = Buffer.from([0xff, 0xd8, 0x00, 0x01]);
    const multipart = buildProxyEvent(
      received({ method: 'POST', headers: { 'content-type': 'Multipart/Form-Data; boundary=x' }, body: bytes }),
      routed,
    );
    expect(multipart).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
    const json = buildProxyEvent(received({ method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') }), routed);
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
  });

  it('a public route: no authorizer context and no API key', () => {
    const event = buildProxyEvent(received(), { ...routed, authorizer: null, apiKey: undefined });
    expect(event.requestContext.authorizer).toBeNull();
    expect(event.requestContext.identity.apiKey).toBeNull();
  });
});

describe('methodArn and proxyEventBytes', () => {
  it('names the stage, method and path in the ARN a policy is evaluated against', () => {
    expect(methodArn('DELETE', '/api/images/x')).toBe('arn:aws:execute-api:local:000000000000:local/local/DELETE/api/images/x');
  });

  it('measures the serialised event in UTF-8 bytes (what Lambda limits)', () => {
    const event = buildProxyEvent(received({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('é') }), routed);
    expect(proxyEventBytes(event)).toBe(Buffer.byteLength(JSON.stringify(event), 'utf8'));
    expect(proxyEventBytes(event)).toBe(JSON.stringify(event).length + 1);
  });
});
