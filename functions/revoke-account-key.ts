import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiGatewayUsagePlanKeys } from './adapters/api-gateway-usage-keys';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoKeyStore } from './adapters/dynamo-key-store';
import { DynamoUserAccounts } from './adapters/dynamo-user-accounts';
import { type AccountKeyDeps, revokeAccountKey } from './core/account-keys';
import { isKeyId, KeyNotFoundError } from './core/accounts';
import { generateAccountId } from './core/api-keys';
import type { ApiHandler } from './core/api-handler';
import { optionalString, requireString } from './core/config';
import { noContent } from './core/http';
import { logger } from './core/logger';
import { sessionHandler } from './core/session-handler';

/**
 * DELETE /api/account/keys/{key_id}: revokes one of the caller's keys (204). A key of another
 * account, or none, is 404 "Key not found". On AWS the API Gateway key is detached and
 * deleted and the authorizer cache flushed, as `npm run keys -- revoke --stack` does.
 */
export function createRevokeAccountKeyHandler(deps: AccountKeyDeps & { readonly now?: () => Date }): ApiHandler {
  return sessionHandler(async (event, user) => {
    const keyId = event.pathParameters?.key_id;
    if (!isKeyId(keyId)) throw new KeyNotFoundError();
    const now = deps.now?.() ?? new Date();
    const account = await deps.accounts.ensure(user, generateAccountId(), now);
    await revokeAccountKey(deps, account, keyId, now);
    return noContent();
  });
}

const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const keysTable = requireString(process.env, 'KEYS_TABLE');
const restApiId = optionalString(process.env, 'REST_API_ID');

export const handler = createRevokeAccountKeyHandler({
  keys: new DynamoKeyStore(dynamodb, keysTable),
  accounts: new DynamoUserAccounts(dynamodb, keysTable),
  usagePlan: restApiId
    ? new ApiGatewayUsagePlanKeys(new APIGatewayClient(API_CLIENT_OPTIONS), { restApiId, stageName: requireString(process.env, 'STAGE_NAME') })
    : undefined,
  log: logger,
});
