import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../../functions/adapters/dynamo-key-store';
import { type CreatedKey, KeyAdmin, type KeySummary } from '../../scripts/key-admin';

/**
 * Runs `fn` with the same KeyAdmin `npm run keys` uses locally, on the keys table the
 * authorizer reads (from the environment set by `startTestApi`).
 */
async function withKeyAdmin<T>(fn: (admin: KeyAdmin) => Promise<T>): Promise<T> {
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const table = process.env.KEYS_TABLE;
  if (!endpoint || !table) throw new Error('start the test API first');
  const client = new DynamoDBClient({ endpoint });
  try {
    return await fn(new KeyAdmin(new DynamoKeyStore(client, table)));
  } finally {
    client.destroy();
  }
}

/** A new key for the account `name` (created if new). */
export function createKey(name: string): Promise<CreatedKey> {
  return withKeyAdmin((admin) => admin.create(name));
}

export function revokeKey(keyId: string): Promise<KeySummary> {
  return withKeyAdmin((admin) => admin.revoke(keyId));
}
