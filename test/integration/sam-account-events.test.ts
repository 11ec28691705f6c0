import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import createAccountKeyJson from '../../events/create-account-key.json';
import getAccountJson from '../../events/get-account.json';
import listAccountKeysJson from '../../events/list-account-keys.json';
import revokeAccountKeyJson from '../../events/revoke-account-key.json';
import { FUNCTIONS, type FunctionName } from '../../functions/function-table';
import { startTestApi, type TestApi } from '../support/local-api';

/**
 * The account routes' events in events/ (for `sam local invoke`), each run through its handler
 * module against the emulators: the shape API Gateway's Cognito authorizer gives a function
 * (`requestContext.authorizer.claims`, every claim a string), and no API key.
 */
const EVENTS = {
  getAccount: getAccountJson as unknown as APIGatewayProxyEvent,
  listAccountKeys: listAccountKeysJson as unknown as APIGatewayProxyEvent,
  createAccountKey: createAccountKeyJson as unknown as APIGatewayProxyEvent,
  revokeAccountKey: revokeAccountKeyJson as unknown as APIGatewayProxyEvent,
};

const FUNCTION_OF = {
  getAccount: 'GetAccount',
  listAccountKeys: 'ListAccountKeys',
  createAccountKey: 'CreateAccountKey',
  revokeAccountKey: 'RevokeAccountKey',
} as const satisfies Record<keyof typeof EVENTS, FunctionName>;

type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let api: TestApi;
let handlers: Record<keyof typeof EVENTS, ProxyHandler>;

beforeAll(async () => {
  api = await startTestApi();
  // The handler modules the function table names, as the local API loaded them.
  const loaded = await Promise.all(
    (Object.entries(FUNCTION_OF) as Array<[keyof typeof EVENTS, FunctionName]>).map(
      async ([key, name]) => [key, (await import(`../../functions/${FUNCTIONS[name].file}.ts`)).handler as ProxyHandler] as const,
    ),
  );
  handlers = Object.fromEntries(loaded) as Record<keyof typeof EVENTS, ProxyHandler>;
});
afterAll(async () => {
  await api.stop();
});

const data = (result: APIGatewayProxyResult) => JSON.parse(result.body).data;

describe('account events/ for sam local invoke', () => {
  it('carry the Cognito authorizer claims as strings and no API key', () => {
    for (const event of Object.values(EVENTS)) {
      const claims = (event.requestContext.authorizer as { claims: Record<string, unknown> }).claims;
      expect(Object.values(claims).every((value) => typeof value === 'string')).toBe(true);
      expect(claims.token_use).toBe('id');
      expect(event.requestContext.identity.apiKey).toBeNull();
      expect(event.headers.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    }
  });

  it('get-account.json -> 200 with the claims\' email; create, list and revoke drive one key through its life', async () => {
    const account = await handlers.getAccount(structuredClone(EVENTS.getAccount));
    expect(account.statusCode).toBe(200);
    expect(data(account).email).toBe('sam@example.com');

    const created = await handlers.createAccountKey(structuredClone(EVENTS.createAccountKey));
    expect(created.statusCode).toBe(201);
    const key = data(created);
    expect(key).toMatchObject({ name: 'laptop', status: 'active', key: expect.stringMatching(/^imgr_/) });

    const listed = await handlers.listAccountKeys(structuredClone(EVENTS.listAccountKeys));
    expect(listed.statusCode).toBe(200);
    expect(data(listed).keys.map((k: { id: string }) => k.id)).toEqual([key.id]);

    // The event's own key id is not this account's: 404, as for any key the account does not hold.
    const unknown = await handlers.revokeAccountKey(structuredClone(EVENTS.revokeAccountKey));
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(unknown.body).message).toBe('Key not found');

    const revoke = structuredClone(EVENTS.revokeAccountKey);
    revoke.pathParameters = { key_id: key.id };
    expect((await handlers.revokeAccountKey(revoke)).statusCode).toBe(204);
    expect(data(await handlers.listAccountKeys(structuredClone(EVENTS.listAccountKeys))).keys[0].status).toBe('revoked');
  });
});
