import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_SYNC_PAYLOAD_BYTES } from '../../functions/core/config';
import { HANDLERS, type HandlerName } from '../../functions/routes';
import { policyAllows, wildcardMatch } from '../../local/authorizers';
import { createLocalGateway, type LocalGateway, type ProxyHandler } from '../../local/gateway';
import { expectError, JSON_TYPE } from '../support/http';

/**
 * The local gateway enforces what API Gateway and Lambda enforce on AWS (docs/security-and-reliability.md):
 * Lambda's 6 MB synchronous event, and the authorizer policy's Resource against the method ARN.
 */
const WIDE = 'Bearer wide_token_0123456789abcdef';
const NARROW = 'Bearer narrow_token_0123456789abcdef';
const IDS = 'Bearer ids_token_0123456789abcdefgh';
const DENY = 'Bearer deny_token_0123456789abcdefg';
const ARN = 'arn:aws:execute-api:local:000000000000:local/local';

const POLICIES: Record<string, unknown[]> = {
  [WIDE]: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${ARN}/*` }],
  // Names only the first method called: the bug a cached narrow policy causes on AWS.
  [NARROW]: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${ARN}/GET/api/images` }],
  // `?` matches exactly one character: 22 of them, an image id.
  [IDS]: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${ARN}/GET/api/images/${'?'.repeat(22)}`] }],
  [DENY]: [
    { Action: 'execute-api:*', Effect: 'Allow', Resource: `${ARN}/*` },
    { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: `${ARN}/DELETE/*` },
  ],
};

let clock = 1_800_000_000_000;
let gateway: LocalGateway;
let url: string;
let lastEvent: APIGatewayProxyEvent | undefined;
let handled = 0;

const ok: ProxyHandler = async (event) => {
  lastEvent = event;
  handled += 1;
  return { statusCode: 200, headers: { 'Content-Type': JSON_TYPE }, body: '{"status":"success","data":{}}' };
};

async function authorizer(event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const statements = POLICIES[event.authorizationToken];
  if (!statements) throw new Error('Unauthorized');
  return {
    principalId: 'acct_test',
    policyDocument: { Version: '2012-10-17', Statement: statements as never },
    context: { accountId: 'acct_test', keyId: 'key_test' },
    usageIdentifierKey: `usage_${event.authorizationToken.slice(7, 20)}`,
  };
}

beforeAll(async () => {
  const handlers = Object.fromEntries(Object.keys(HANDLERS).map((name) => [name, ok])) as Record<HandlerName, ProxyHandler>;
  gateway = createLocalGateway({
    handlers,
    authorizer,
    usagePlan: { rate: 1000, burst: 1000, dailyQuota: 100_000 },
    authCacheSeconds: 300,
    now: () => clock,
  });
  url = await gateway.listen();
});
afterAll(() => gateway.close());

describe("Lambda's 6 MB event limit, as API Gateway applies it", () => {
  const send = (bodyBytes: number): Promise<Response> =>
    fetch(`${url}/api/images/uploads`, {
      method: 'POST',
      headers: { Authorization: WIDE, 'Content-Type': 'application/json' },
      body: 'a'.repeat(bodyBytes),
    });
  const eventBytes = (event: APIGatewayProxyEvent): number => Buffer.byteLength(JSON.stringify(event));

  it('an event of exactly 6,291,456 bytes reaches the handler; one byte more gets the raw 413 "Request Too Long"', async () => {
    // Calibrate: everything in the event but the body is the same for bodies of equal digit count.
    const probe = 1_000_000;
    expect((await send(probe)).status).toBe(200);
    const overhead = eventBytes(lastEvent!) - probe;
    const fits = LAMBDA_SYNC_PAYLOAD_BYTES - overhead;
    expect(String(fits)).toHaveLength(String(probe).length);

    const before = handled;
    expect((await send(fits)).status).toBe(200);
    expect(eventBytes(lastEvent!)).toBe(LAMBDA_SYNC_PAYLOAD_BYTES);
    expect(handled).toBe(before + 1);

    const over = await send(fits + 1);
    expect(over.status).toBe(413);
    expect(over.headers.get('content-type')).toBe('application/json');
    expect(await over.text()).toBe('{"message":"Request Too Long"}');
    expect(handled).toBe(before + 1);
  });

  it('a multipart body is measured base64-encoded, as the event carries it: 4.75 MB of bytes is over', async () => {
    const before = handled;
    const bytes = Buffer.alloc(4_750_000, 0x42);
    const form = new FormData();
    form.append('image', new Blob([bytes]), 'x.bmp');
    const response = await fetch(`${url}/api/images/upload`, { method: 'POST', headers: { Authorization: WIDE }, body: form });
    expect(response.status).toBe(413);
    expect(await response.text()).toBe('{"message":"Request Too Long"}');
    expect(handled).toBe(before);

    const fits = new FormData();
    fits.append('image', new Blob([Buffer.alloc(4 * 1024 * 1024, 0x42)]), 'x.bmp');
    expect((await fetch(`${url}/api/images/upload`, { method: 'POST', headers: { Authorization: WIDE }, body: fits })).status).toBe(200);
    expect(lastEvent!.isBase64Encoded).toBe(true);
  });
});

describe("the authorizer policy's Resource is checked against the method ARN", () => {
  const call = (token: string, method: string, path: string): Promise<Response> =>
    fetch(`${url}${path}`, { method, headers: { Authorization: token } });
  const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

  it('a stage-wide policy allows every route', async () => {
    for (const [method, path] of [['GET', '/api/images'], ['GET', `/api/images/${ID}`], ['DELETE', `/api/images/${ID}`]]) {
      expect((await call(WIDE, method, path)).status).toBe(200);
    }
  });

  it('a policy naming only the first method allows it, and the cached policy denies every other route with 403', async () => {
    expect((await call(NARROW, 'GET', '/api/images')).status).toBe(200);
    await expectError(await call(NARROW, 'GET', `/api/images/${ID}`), 403, 'Forbidden');
    await expectError(await call(NARROW, 'POST', '/api/images/uploads'), 403, 'Forbidden');
    await expectError(await call(NARROW, 'GET', '/api/images/'), 404, 'Not found');
  });

  it('"?" matches one character, "*" any run; a matching Deny wins over an Allow', async () => {
    expect((await call(IDS, 'GET', `/api/images/${ID}`)).status).toBe(200);
    await expectError(await call(IDS, 'GET', `/api/images/${ID.slice(1)}`), 403, 'Forbidden');
    await expectError(await call(IDS, 'GET', '/api/images'), 403, 'Forbidden');
    expect((await call(DENY, 'GET', `/api/images/${ID}`)).status).toBe(200);
    await expectError(await call(DENY, 'DELETE', `/api/images/${ID}`), 403, 'Forbidden');
  });
});

describe('policy evaluation', () => {
  it.each([
    ['arn:*', 'arn:x', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a*c', 'ac', true],
    ['a.c', 'abc', false],
    ['a/(b)+/*', 'a/(b)+/x', true],
    ['GET/*', 'get/x', false],
  ])('wildcardMatch(%s, %s) = %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });

  it('needs an Allow of execute-api:Invoke on a matching resource', () => {
    const arn = `${ARN}/GET/api/images`;
    expect(policyAllows({ Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }] }, arn)).toBe(true);
    expect(policyAllows({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }, arn)).toBe(false);
    expect(policyAllows({ Statement: [] }, arn)).toBe(false);
    expect(policyAllows(undefined, arn)).toBe(false);
    expect(policyAllows({ Statement: { Effect: 'Allow', Action: ['execute-api:*'], Resource: ['x', '*'] } }, arn)).toBe(true);
  });
});
