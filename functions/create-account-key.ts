import { type AccountKeyDeps, accountOf, issueAccountKey } from './core/account-keys';
import { KEY_REQUEST_BODY, parseKeyName, toApiKeyView } from './core/accounts';
import { accountKeys, dynamoDB } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { jsonBody } from './transport/body';
import { success } from './transport/http';
import { apiPathPrefix } from './transport/request';
import { sessionHandler } from './transport/session-handler';

export interface CreateAccountKeyDeps extends AccountKeyDeps {
  readonly now?: () => Date;
}

/**
 * POST /api/account/keys `{"name": "..."}`: a new key, whose value is in this response only.
 * 400 for a bad name or body, 409 when the account already has its 10 active keys.
 */
export function createCreateAccountKeyHandler(deps: CreateAccountKeyDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const name = parseKeyName(jsonBody(event, KEY_REQUEST_BODY));
    const now = deps.now?.() ?? new Date();
    const issued = await issueAccountKey(deps, await accountOf(deps.accounts, user, now), name, now);
    return success(
      201,
      { ...toApiKeyView(issued.key, undefined), key: issued.secret },
      { Location: `${apiPathPrefix(event)}/api/account/keys/${issued.key.keyId}`, 'Cache-Control': 'no-store' },
    );
  });
}

export const handler = createCreateAccountKeyHandler(accountKeys(dynamoDB()));
