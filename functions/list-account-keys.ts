import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoKeyStore } from './adapters/dynamo-key-store';
import { DynamoKeyUsage } from './adapters/dynamo-key-usage';
import { DynamoUserAccounts } from './adapters/dynamo-user-accounts';
import { type KeyRecordStore, listAccountKeys, type UserAccountStore } from './core/account-keys';
import { type KeyUsage, sortKeys, toApiKeyView } from './core/accounts';
import { generateAccountId } from './core/api-keys';
import type { ApiHandler } from './core/api-handler';
import { requireString } from './core/config';
import { type Window, windowAt } from './core/hourly-quota';
import { success } from './core/http';
import { sessionHandler } from './core/session-handler';

export interface ListAccountKeysDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly keys: Pick<KeyRecordStore, 'findByHashes'>;
  readonly usage: { usage(keyIds: readonly string[], window: Window): Promise<Map<string, KeyUsage>> };
  readonly now?: () => number;
}

/** GET /api/account/keys: every key of the account, newest first, with its use; never the secrets. */
export function createListAccountKeysHandler(deps: ListAccountKeysDeps): ApiHandler {
  return sessionHandler(async (_event, user) => {
    const nowMs = deps.now?.() ?? Date.now();
    const account = await deps.accounts.ensure(user, generateAccountId(), new Date(nowMs));
    const [keys, usage] = await Promise.all([
      listAccountKeys(deps, account),
      deps.usage.usage(Object.keys(account.keys), windowAt(nowMs)),
    ]);
    return success(200, { keys: sortKeys(keys).map((key) => toApiKeyView(key, usage.get(key.keyId))) });
  });
}

const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const keysTable = requireString(process.env, 'KEYS_TABLE');

export const handler = createListAccountKeysHandler({
  accounts: new DynamoUserAccounts(dynamodb, keysTable),
  keys: new DynamoKeyStore(dynamodb, keysTable),
  usage: new DynamoKeyUsage(dynamodb, requireString(process.env, 'COUNTERS_TABLE')),
});
