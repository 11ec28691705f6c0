import type { APIGatewayProxyEvent } from 'aws-lambda';
import { DELETION_BODY, deletionStatus, parsePasswordConfirmation, type StartDeletionDeps, startAccountDeletion, toApiDeletion } from './core/account-deletion';
import { revokeAllKeys } from './core/account-erasure-steps';
import { accountDeletions, accountUsers, authorizerCache, deletionRequests } from './runtime/deletion-wiring';
import { dynamoDB, keyStore, s3 } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix } from './transport/request';
import { sessionHandler } from './transport/session-handler';

export interface DeleteAccountDeps extends StartDeletionDeps {
  readonly now?: () => Date;
}

/**
 * DELETE /api/account (`{"password": "..."}`): confirms with the password, marks the account
 * deleting, revokes its keys and starts the job (docs/account-deletion.md); `202` with where the
 * deletion stands, the same answer when asked again. GET /api/account/deletion: where it stands.
 */
export function createDeleteAccountHandler(deps: DeleteAccountDeps): ApiHandler {
  return sessionHandler(async (event: APIGatewayProxyEvent, user) => {
    if (event.httpMethod === 'GET') return success(200, toApiDeletion(await deletionStatus(deps.store, user.sub)));
    const password = parsePasswordConfirmation(jsonBody(event, DELETION_BODY));
    const deletion = await startAccountDeletion(deps, user, password, deps.now?.() ?? new Date());
    return success(202, toApiDeletion(deletion), { Location: `${apiPathPrefix(event)}/api/account/deletion` });
  });
}

const dynamodb = dynamoDB();
const keys = { keys: keyStore(dynamodb) };
const cache = authorizerCache();

export const handler = createDeleteAccountHandler({
  store: accountDeletions(dynamodb),
  requests: deletionRequests(s3()),
  users: accountUsers('api'),
  stopAccess: async (account) => {
    await revokeAllKeys(keys, account);
    await cache?.flush();
  },
});
