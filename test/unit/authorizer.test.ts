import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../functions/adapters/dynamo-key-store';
import { createAuthorizer } from '../../functions/authorizer';
import { stageWildcard } from '../../functions/transport/authorizer';
import { hashApiKey } from '../../functions/core/api-keys';

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

describe('stageWildcard', () => {
  it('widens a method ARN to the whole stage', () => {
    expect(stageWildcard('arn:aws:execute-api:us-east-1:1:api/prod/DELETE/api/images/x')).toBe('arn:aws:execute-api:us-east-1:1:api/prod/*');
  });
  it('leaves an ARN it cannot parse unchanged', () => {
    expect(stageWildcard('weird')).toBe('weird');
  });
});
