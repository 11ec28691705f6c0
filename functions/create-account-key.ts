import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiGatewayUsagePlanKeys } from './adapters/api-gateway-usage-keys';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoKeyStore } from './adapters/dynamo-key-store';
import { DynamoUserAccounts } from './adapters/dynamo-user-accounts';
import { type AccountKeyDeps, issueAccountKey } from './core/account-keys';
import { parseKeyName, toApiKeyView } from './core/accounts';
import { generateAccountId } from './core/api-keys';
import { type ApiHandler, apiPathPrefix } from './core/api-handler';
import { optionalString, requireString } from './core/config';
import { success } from './core/http';
import { logger } from './core/logger';
import { sessionHandler } from './core/session-handler';

export interface CreateAccountKeyDeps extends AccountKeyDeps {
  readonly now?: () => Date;
}

/**
 * POST /api/account/keys `{"name": "..."}`: a new key, whose value is in this response only.
 * 400 for a bad name or body, 409 when the account already has its 10 active keys.
 */
export function createCreateAccountKeyHandler(deps: CreateAccountKeyDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const name = parseKeyName(event.body, event.isBase64Encoded);
    const now = deps.now?.() ?? new Date();
    const account = await deps.accounts.ensure(user, generateAccountId(), now);
    const issued = await issueAccountKey(deps, account, name, now);
    return success(
      201,
      { ...toApiKeyView(issued.key, undefined), key: issued.secret },
      { Location: `${apiPathPrefix(event)}/api/account/keys/${issued.key.keyId}`, 'Cache-Control': 'no-store' },
    );
  });
}

const dynamodb = new DynamoDBClient(API_CLIENT_OPTIONS);
const keysTable = requireString(process.env, 'KEYS_TABLE');
// Set on AWS (the stack); absent locally, where there is no usage plan to register keys with.
const restApiId = optionalString(process.env, 'REST_API_ID');

export const handler = createCreateAccountKeyHandler({
  keys: new DynamoKeyStore(dynamodb, keysTable),
  accounts: new DynamoUserAccounts(dynamodb, keysTable),
  usagePlan: restApiId
    ? new ApiGatewayUsagePlanKeys(new APIGatewayClient(API_CLIENT_OPTIONS), { restApiId, stageName: requireString(process.env, 'STAGE_NAME') })
    : undefined,
  log: logger,
});
