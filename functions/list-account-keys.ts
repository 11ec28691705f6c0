import { accountKeyViews, type KeyViewsDeps } from './core/account-keys';
import { dynamoDB, keyStore, keyUsage, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface ListAccountKeysDeps extends KeyViewsDeps {
  readonly now?: () => number;
}

/** GET /api/account/keys: every key of the account, newest first, with its use; never the secrets. */
export function createListAccountKeysHandler(deps: ListAccountKeysDeps): ApiHandler {
  return sessionHandler(async (_event, user) => success(200, { keys: await accountKeyViews(deps, user, deps.now?.() ?? Date.now()) }));
}

const dynamodb = dynamoDB();

export const handler = createListAccountKeysHandler({ accounts: userAccounts(dynamodb), keys: keyStore(dynamodb), usage: keyUsage(dynamodb) });
