import { type AccountKeyDeps, accountOf, revokeAccountKey } from './core/account-keys';
import { isKeyId, KeyNotFoundError } from './core/accounts';
import { accountKeyRevocation, dynamoDB } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { noContent } from './transport/http';
import { sessionHandler } from './transport/session-handler';

/**
 * DELETE /api/account/keys/{key_id}: revokes one of the caller's keys (204). A key of another
 * account, or none, is 404 "Key not found". A DynamoDB write only, as `npm run keys -- revoke`:
 * no API Gateway call, no cache flush; on AWS the key stops working within the authorizer
 * cache's TTL (docs/api.md#keys).
 */
export function createRevokeAccountKeyHandler(deps: Pick<AccountKeyDeps, 'keys' | 'accounts'> & { readonly now?: () => Date }): ApiHandler {
  return sessionHandler(async (event, user) => {
    const keyId = event.pathParameters?.key_id;
    if (!isKeyId(keyId)) throw new KeyNotFoundError();
    const now = deps.now?.() ?? new Date();
    await revokeAccountKey(deps, await accountOf(deps.accounts, user, now), keyId, now);
    return noContent();
  });
}

export const handler = createRevokeAccountKeyHandler(accountKeyRevocation(dynamoDB()));
