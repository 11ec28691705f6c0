import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoAccountTotals } from './adapters/dynamo-account-totals';
import { DynamoKeyUsage } from './adapters/dynamo-key-usage';
import { DynamoUserAccounts } from './adapters/dynamo-user-accounts';
import type { UserAccountStore } from './core/account-keys';
import { type ImageTotals, type KeyUsage, toApiAccount } from './core/accounts';
import { generateAccountId } from './core/api-keys';
import type { ApiHandler } from './core/api-handler';
import { type Config, readConfig, requireString } from './core/config';
import { type Window, windowAt } from './core/hourly-quota';
import { success } from './core/http';
import { sessionHandler } from './core/session-handler';

export interface GetAccountDeps {
  readonly config: Pick<Config, 'hourlyLimit'>;
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly usage: { usage(keyIds: readonly string[], window: Window): Promise<Map<string, KeyUsage>> };
  readonly images: { get(accountId: string): Promise<ImageTotals> };
  readonly now?: () => number;
}

/**
 * GET /api/account: the signed-in person's account (created on the first call), this hour's
 * requests over all its keys with the per-key limit and the reset time, and its images.
 */
export function createGetAccountHandler(deps: GetAccountDeps): ApiHandler {
  return sessionHandler(async (_event, user) => {
    const nowMs = deps.now?.() ?? Date.now();
    const account = await deps.accounts.ensure(user, generateAccountId(), new Date(nowMs));
    const window = windowAt(nowMs);
    const [usage, images] = await Promise.all([deps.usage.usage(Object.keys(account.keys), window), deps.images.get(account.accountId)]);
    let used = 0;
    for (const entry of usage.values()) used += entry.requestsThisHour;
    return success(200, toApiAccount(account, { limit: deps.config.hourlyLimit, used, window }, images));
  });
}

const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const countersTable = requireString(process.env, 'COUNTERS_TABLE');

export const handler = createGetAccountHandler({
  config: readConfig(process.env),
  accounts: new DynamoUserAccounts(dynamodb, requireString(process.env, 'KEYS_TABLE')),
  usage: new DynamoKeyUsage(dynamodb, countersTable),
  images: new DynamoAccountTotals(dynamodb, countersTable),
});
