import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, GetUsagePlansCommand } from '@aws-sdk/client-api-gateway';
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_KEY_STACK_TAG } from '../../functions/core/api-keys';
import { captureEmf } from './support/emf';
import { apiEvent } from './support/fakes';

/**
 * The console's session and the control plane (docs/accounts-and-console.md): the real handler
 * modules, wired from an AWS-shaped environment as on Lambda (REST_API_ID set, so every function
 * that may call API Gateway has its client), with every SDK call answered by aws-sdk-client-mock.
 * A person signing in, using the image and account routes and signing out, 100 times, makes no
 * API Gateway call; their account's first key makes one API Gateway key, the next none, and the
 * key ceiling's gauge is written by that code.
 */

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Console';
const CLIENT_ID = 'console-app-client';
const CONSOLE_USAGE_ID = 'imagerconsole00112233445566778899aabbccddeeff';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api456/v1/GET/api/images';
const ACCOUNT_ID = 'acct_console0000000000000';

const apigw = mockClient(APIGatewayClient);
const dynamo = mockClient(DynamoDBClient);

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let authorize: (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
let handlers: Record<'listImages' | 'getAccount' | 'listKeys' | 'createKey', Handler>;
let signingKey: CryptoKey;
/** Meters stored so far (the conditional put of `meter#<account>`), and the keys table's API key count. */
const meters = new Map<string, Record<string, { S?: string }>>();
let apiGatewayKeys = 41;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
  vi.stubGlobal('fetch', async () => Response.json(jwks));
  // As the stack sets them (lib/api.ts, lib/functions.ts).
  for (const [name, value] of Object.entries({
    AWS_REGION: 'eu-west-1',
    KEYS_TABLE: 'Keys',
    COUNTERS_TABLE: 'Counters',
    IMAGES_TABLE: 'Images',
    REST_API_ID: 'api456',
    STAGE_NAME: 'v1',
    IMAGER_STACK_NAME: 'Imager',
    SESSION_ISSUER: ISSUER,
    SESSION_CLIENT_ID: CLIENT_ID,
    CONSOLE_USAGE_ID,
    POWERTOOLS_METRICS_DISABLED: 'false',
  })) {
    vi.stubEnv(name, value);
  }

  const account = { pk: { S: 'user#sub-dana' }, sub: { S: 'sub-dana' }, email: { S: 'dana@example.com' }, account_id: { S: ACCOUNT_ID }, created_at: { S: '2026-12-01T00:00:00.000Z' }, keys: { M: {} }, active_keys: { M: {} } };
  dynamo.on(GetItemCommand).callsFake(async (input: { Key: { pk: { S: string } } }) => {
    const pk = input.Key.pk.S;
    if (pk === 'user#sub-dana') return { Item: account };
    if (pk.startsWith('meter#')) return { Item: meters.get(pk) };
    return {};
  });
  dynamo.on(PutItemCommand).callsFake(async (input: { Item: Record<string, { S?: string }> }) => {
    const pk = input.Item.pk.S!;
    if (pk.startsWith('meter#')) meters.set(pk, input.Item);
    return {};
  });
  dynamo.on(UpdateItemCommand).callsFake(async (input: { Key: { pk: { S: string } } }) => {
    if (input.Key.pk.S === 'meters#apigateway') return { Attributes: { count: { N: String(++apiGatewayKeys) } } };
    return {};
  });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(BatchGetItemCommand).resolves({ Responses: {} });
  apigw.on(GetUsagePlansCommand).resolves({ items: [{ id: 'plan-keys', tags: { 'imager-usage-plan': 'account-meters' }, apiStages: [{ apiId: 'api456', stage: 'v1' }] }] });
  apigw.on(CreateApiKeyCommand).resolves({ id: 'apigw-meter' });
  apigw.on(CreateUsagePlanKeyCommand).resolves({});

  vi.resetModules();
  const load = async (file: string) => ((await import(`../../functions/${file}.ts`)) as { handler: unknown }).handler;
  authorize = (await load('authorizer')) as typeof authorize;
  handlers = {
    listImages: (await load('list-images')) as Handler,
    getAccount: (await load('get-account')) as Handler,
    listKeys: (await load('list-account-keys')) as Handler,
    createKey: (await load('create-account-key')) as Handler,
  };
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  apigw.restore();
  dynamo.restore();
});

/** What Cognito hands the console at sign-in: a fresh ID token. */
function signIn(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'sub-dana', email: 'dana@example.com', token_use: 'id', iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 3600 })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .sign(signingKey);
}

/** An account route's event, as API Gateway's Cognito authorizer passes the claims. */
function accountEvent(init: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  const event = apiEvent({ accountId: null, ...init });
  return { ...event, requestContext: { ...event.requestContext, authorizer: { claims: { sub: 'sub-dana', email: 'dana@example.com', token_use: 'id' } } } };
}

describe('the console session and the API Gateway control plane', () => {
  it('100 sign-ins, each using the image and account routes with its session, then signing out: no API Gateway call', async () => {
    for (let round = 0; round < 100; round += 1) {
      const idToken = await signIn();
      const allowed = await authorize({ type: 'TOKEN', authorizationToken: `Bearer ${idToken}`, methodArn: METHOD_ARN });
      expect(allowed.usageIdentifierKey).toBe(CONSOLE_USAGE_ID);
      expect(allowed.context).toEqual({ accountId: ACCOUNT_ID, keyId: `console_${ACCOUNT_ID}` });
      // The gallery: an image route with the authorizer's context, metered in the console window.
      const listed = await handlers.listImages(apiEvent({ accountId: ACCOUNT_ID, keyId: String(allowed.context!.keyId) }));
      expect(listed.statusCode, listed.body).toBe(200);
      expect(listed.headers?.['X-RateLimit-Limit']).toBe('1000');
      expect((await handlers.getAccount(accountEvent())).statusCode).toBe(200);
      expect((await handlers.listKeys(accountEvent())).statusCode).toBe(200);
      // Signing out is Cognito's RevokeToken alone: nothing of ours runs.
    }
    expect(apigw.calls()).toHaveLength(0);
    // The hourly window the session counted in is its account's console window.
    const windows = dynamo.commandCalls(UpdateItemCommand).map((call) => call.args[0].input.Key?.pk?.S ?? '');
    expect(windows.length).toBeGreaterThanOrEqual(100);
    expect(windows.every((pk) => pk.startsWith(`console_${ACCOUNT_ID}#`) || pk === `last#console_${ACCOUNT_ID}`)).toBe(true);
  }, 60_000);

  it("the account's first key makes its one API Gateway key and writes the ceiling's gauge; more keys make none", async () => {
    apigw.resetHistory();
    const create = (name: string) => handlers.createKey(accountEvent({ httpMethod: 'POST', body: JSON.stringify({ name }) }));
    const { metrics } = await captureEmf(async () => {
      expect((await create('laptop')).statusCode).toBe(201);
    });
    expect(apigw.commandCalls(CreateApiKeyCommand)).toHaveLength(1);
    expect(apigw.commandCalls(CreateApiKeyCommand)[0].args[0].input).toMatchObject({ name: `imager-${ACCOUNT_ID}`, value: meters.get(`meter#${ACCOUNT_ID}`)!.usage_id.S, tags: { [API_KEY_STACK_TAG]: 'Imager' } });
    expect(apigw.commandCalls(CreateUsagePlanKeyCommand)[0].args[0].input).toEqual({ usagePlanId: 'plan-keys', keyId: 'apigw-meter', keyType: 'API_KEY' });
    // 42 account meters now, plus the console sessions' key.
    expect(metrics.filter((metric) => metric.name === 'ApiGatewayKeys')).toEqual([
      { namespace: 'Imager', name: 'ApiGatewayKeys', unit: 'Count', dimensions: { service: 'imager' }, values: [43] },
    ]);

    apigw.resetHistory();
    const { metrics: later } = await captureEmf(async () => {
      for (const name of ['ci', 'phone', 'backup']) expect((await create(name)).statusCode).toBe(201);
    });
    expect(apigw.calls()).toHaveLength(0);
    expect(later).toEqual([]);
  });
});
