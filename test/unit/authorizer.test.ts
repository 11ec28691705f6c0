import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cognitoTokenVerifier } from '../../functions/adapters/cognito-tokens';
import type { KeyRecord } from '../../functions/adapters/dynamo-key-store';
import { createAuthorizer } from '../../functions/authorizer';
import { AccountDeletedError, type UserAccount } from '../../functions/core/accounts';
import type { SessionAuthentication } from '../../functions/core/sessions';
import { stageWildcard } from '../../functions/transport/authorizer';
import { BEARER_PATTERN, hashApiKey } from '../../functions/core/api-keys';

const KEY = 'imgr_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const REVOKED_KEY = 'imgr_revokedrevokedrevokedrevokedrevoked00';
const LEGACY_KEY = 'imgr_legacylegacylegacylegacylegacylegacy00';
const USAGE_ID = 'usage_0123456789abcdefghijklmnopqrstuv';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/v1/GET/api/images/Xy12';

function store() {
  const records = new Map<string, KeyRecord>();
  const lookups: string[] = [];
  const add = (key: string, extra: Partial<KeyRecord> = {}) =>
    records.set(hashApiKey(key), {
      keyId: 'key_alice01',
      keyHash: hashApiKey(key),
      accountId: 'acct_alice',
      accountName: 'alice',
      createdAt: '2026-11-26T00:00:00.000Z',
      ...extra,
    });
  add(KEY, { usageIdentifier: USAGE_ID });
  add(LEGACY_KEY, { keyId: 'key_legacy' });
  add(REVOKED_KEY, { keyId: 'key_old', revokedAt: '2026-11-26T01:00:00.000Z' });
  return {
    lookups,
    keys: {
      async findByHash(hash: string) {
        lookups.push(hash);
        return records.get(hash);
      },
    },
  };
}

const event = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({ type: 'TOKEN', authorizationToken, methodArn: METHOD_ARN });

describe('createAuthorizer', () => {
  it('allows a valid key on every method of the stage, with the account and key ids and the key for the usage plan', async () => {
    const { keys, lookups } = store();
    const result = await createAuthorizer({ keys })(event(`Bearer ${KEY}`));
    expect(result).toEqual({
      principalId: 'acct_alice',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/v1/*' }],
      },
      context: { accountId: 'acct_alice', keyId: 'key_alice01' },
      usageIdentifierKey: USAGE_ID,
    });
    // Only the hash is looked up; the key itself never reaches the store, nor API Gateway.
    expect(lookups).toEqual([hashApiKey(KEY)]);
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it('a key stored before usage identifiers falls back to the key (its API Gateway key still holds it) until migrated', async () => {
    const { keys } = store();
    const result = await createAuthorizer({ keys })(event(`Bearer ${LEGACY_KEY}`));
    expect(result.usageIdentifierKey).toBe(LEGACY_KEY);
  });

  it.each([
    ['an unknown key', `Bearer imgr_unknownunknownunknownunknown000`],
    ['a revoked key', `Bearer ${REVOKED_KEY}`],
    ['an empty token', ''],
    ['the scheme alone', 'Bearer'],
    ['Basic auth', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['a too short key', 'Bearer short'],
    ['a key with illegal characters', 'Bearer imgr_abc$%^&*()abcdefghijklmnop'],
    ['two tokens', `Bearer ${KEY} ${KEY}`],
  ])('throws "Unauthorized" for %s', async (_name, token) => {
    const { keys } = store();
    await expect(createAuthorizer({ keys })(event(token))).rejects.toThrow(/^Unauthorized$/);
  });

  it('does not look up malformed tokens at all', async () => {
    const { keys, lookups } = store();
    await expect(createAuthorizer({ keys })(event('Bearer x'))).rejects.toThrow('Unauthorized');
    expect(lookups).toEqual([]);
  });

  it('lets a store outage surface as an error other than Unauthorized (API Gateway answers 5xx, not 401)', async () => {
    const outage = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    const authorizer = createAuthorizer({ keys: { findByHash: () => Promise.reject(outage) } });
    await expect(authorizer(event(`Bearer ${KEY}`))).rejects.toBe(outage);
  });
});

describe('createAuthorizer with the console session (a Cognito ID token)', () => {
  const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool1';
  const CLIENT_ID = 'console-client-id';
  const CONSOLE_USAGE_ID = 'imagerconsole0123456789abcdef0123456789ab';
  let poolKey: CryptoKey;
  let otherKey: CryptoKey;
  let jwks: { keys: unknown[] };
  const fetched: string[] = [];

  beforeAll(async () => {
    const pool = await generateKeyPair('RS256');
    poolKey = pool.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    jwks = { keys: [{ ...(await exportJWK(pool.publicKey)), kid: 'pool-key', alg: 'RS256', use: 'sig' }] };
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetched.length = 0;
  });

  /** The pool's JWKS, served by a stubbed fetch (no network in unit tests). */
  function serveJwks(answer: () => Promise<Response> = async () => Response.json(jwks)): void {
    vi.stubGlobal('fetch', async (url: string | URL) => {
      fetched.push(String(url));
      return answer();
    });
  }

  const now = Math.floor(Date.now() / 1000);
  const CLAIMS: JWTPayload = { sub: 'sub-carol', email: 'carol@example.com', token_use: 'id', iss: ISSUER, aud: CLIENT_ID, iat: now, exp: now + 3600 };

  function token(claims: JWTPayload = CLAIMS, key: CryptoKey = poolKey, kid = 'pool-key'): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key);
  }

  /** Carol has an account (she called an account route after signing up); Erin, signed up a moment ago, not yet. */
  function sessions(): { deps: SessionAuthentication; looked: string[] } {
    const looked: string[] = [];
    const accounts = {
      async find(sub: string): Promise<UserAccount | undefined> {
        looked.push(sub);
        // Dan's account is being deleted: the store answers as DynamoUserAccounts does then.
        if (sub === 'sub-dan') throw new AccountDeletedError();
        if (sub !== 'sub-carol') return undefined;
        return { accountId: 'acct_carol', sub, email: 'carol@example.com', createdAt: '2026-12-01T00:00:00.000Z', keys: {}, activeKeys: {} };
      },
    };
    return { looked, deps: { verify: cognitoTokenVerifier({ issuer: ISSUER, clientId: CLIENT_ID }), accounts, usageIdentifier: CONSOLE_USAGE_ID } };
  }

  it("allows a valid ID token on the whole stage as its person's account, in the account's console window, metered under the sessions' key", async () => {
    serveJwks();
    const { keys, lookups } = store();
    const { deps, looked } = sessions();
    const jwt = await token();
    expect(new RegExp(BEARER_PATTERN).test(`Bearer ${jwt}`)).toBe(true);
    const result = await createAuthorizer({ keys, sessions: deps })(event(`Bearer ${jwt}`));
    expect(result).toEqual({
      principalId: 'acct_carol',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123defg/v1/*' }],
      },
      context: { accountId: 'acct_carol', keyId: 'console_acct_carol' },
      usageIdentifierKey: CONSOLE_USAGE_ID,
    });
    expect(looked).toEqual(['sub-carol']);
    // The pool's own key set; no key lookup for a session.
    expect(fetched).toEqual([`${ISSUER}/.well-known/jwks.json`]);
    expect(lookups).toEqual([]);
  });

  it.each([
    ['expired', { ...CLAIMS, iat: now - 7200, exp: now - 3600 }],
    ['from another pool', { ...CLAIMS, iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other' }],
    ['for another app client', { ...CLAIMS, aud: 'someone-else' }],
    ['an access token', { ...CLAIMS, token_use: 'access' }],
    ['without an email', { ...CLAIMS, email: undefined }],
  ])('throws "Unauthorized" for a token %s', async (_what, claims) => {
    serveJwks();
    const { deps, looked } = sessions();
    await expect(createAuthorizer({ keys: store().keys, sessions: deps })(event(`Bearer ${await token(claims as JWTPayload)}`))).rejects.toThrow(/^Unauthorized$/);
    expect(looked).toEqual([]);
  });

  it('throws "Unauthorized" for a valid token of a person without an account yet, and writes nothing (the authorizer only reads)', async () => {
    serveJwks();
    const { deps, looked } = sessions();
    await expect(createAuthorizer({ keys: store().keys, sessions: deps })(event(`Bearer ${await token({ ...CLAIMS, sub: 'sub-erin', email: 'erin@example.com' })}`))).rejects.toThrow(/^Unauthorized$/);
    expect(looked).toEqual(['sub-erin']);
    expect(Object.keys(deps.accounts)).toEqual(['find']);
  });

  it('throws "Unauthorized" (not a 5xx) for a valid token of an account being deleted or deleted (docs/account-deletion.md)', async () => {
    serveJwks();
    const { deps, looked } = sessions();
    const authorize = createAuthorizer({ keys: store().keys, sessions: deps });
    await expect(authorize(event(`Bearer ${await token({ ...CLAIMS, sub: 'sub-dan', email: 'dan@example.com' })}`))).rejects.toThrow(/^Unauthorized$/);
    expect(looked).toEqual(['sub-dan']);
    // Carol's session, through the same authorizer, still works.
    await expect(authorize(event(`Bearer ${await token()}`))).resolves.toMatchObject({ principalId: 'acct_carol' });
  });

  it('throws "Unauthorized" for a token signed by another key, or tampered with', async () => {
    serveJwks();
    const { deps } = sessions();
    const authorize = createAuthorizer({ keys: store().keys, sessions: deps });
    await expect(authorize(event(`Bearer ${await token(CLAIMS, otherKey)}`))).rejects.toThrow(/^Unauthorized$/);
    const [header, , signature] = (await token()).split('.');
    const forged = Buffer.from(JSON.stringify({ ...CLAIMS, sub: 'sub-mallory' })).toString('base64url');
    await expect(authorize(event(`Bearer ${header}.${forged}.${signature}`))).rejects.toThrow(/^Unauthorized$/);
  });

  it('refuses session tokens when no user pool is configured', async () => {
    await expect(createAuthorizer({ keys: store().keys })(event(`Bearer ${await token()}`))).rejects.toThrow(/^Unauthorized$/);
  });

  it("fails (a 5xx API Gateway does not cache) when the pool's keys cannot be fetched, rather than refusing the person", async () => {
    serveJwks(() => Promise.reject(new TypeError('fetch failed')));
    const { deps } = sessions();
    const failure = createAuthorizer({ keys: store().keys, sessions: deps })(event(`Bearer ${await token()}`));
    await expect(failure).rejects.toThrow();
    await expect(failure).rejects.not.toThrow(/^Unauthorized$/);
  });
});

describe('stageWildcard', () => {
  it('widens a method ARN to the whole stage', () => {
    expect(stageWildcard('arn:aws:execute-api:us-east-1:1:api/prod/DELETE/api/images/x')).toBe('arn:aws:execute-api:us-east-1:1:api/prod/*');
  });
  it('leaves an ARN it cannot parse unchanged', () => {
    expect(stageWildcard('weird')).toBe('weird');
  });
});
