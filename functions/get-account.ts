import { type AccountOverviewDeps, accountOverview } from './core/account-keys';
import { type Config, readConfig } from './core/config';
import { accountTotals, dynamoDB, keyUsage, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface GetAccountDeps extends Omit<AccountOverviewDeps, 'hourlyLimit'> {
  readonly config: Pick<Config, 'hourlyLimit'>;
  readonly now?: () => number;
}

/**
 * GET /api/account: the signed-in person's account (created on the first call), this hour's
 * requests over all its keys with the per-key limit and the reset time, and its images.
 */
export function createGetAccountHandler(deps: GetAccountDeps): ApiHandler {
  const overview = { ...deps, hourlyLimit: deps.config.hourlyLimit };
  return sessionHandler(async (_event, user) => success(200, await accountOverview(overview, user, deps.now?.() ?? Date.now())));
}

const dynamodb = dynamoDB();

export const handler = createGetAccountHandler({
  config: readConfig(process.env),
  accounts: userAccounts(dynamodb),
  usage: keyUsage(dynamodb),
  images: accountTotals(dynamodb),
});
