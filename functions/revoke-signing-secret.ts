import { accountOf, type UserAccountStore } from './core/account-keys';
import { revokeSigningSecret, type SigningSecretDeps, SigningSecretNotFoundError } from './core/signing-secrets';
import { KID_PATTERN } from './core/url-signing';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, signingSecrets, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { noContent } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface RevokeSigningSecretDeps extends SigningSecretDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
}

/** DELETE /api/account/signing-secrets/{kid}: URLs signed with it answer 403 at the edge within seconds. */
export function createRevokeSigningSecretHandler(deps: RevokeSigningSecretDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const kid = event.pathParameters?.kid;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw new SigningSecretNotFoundError();
    const account = await accountOf(deps.accounts, user, deps.now?.() ?? new Date());
    await revokeSigningSecret(deps, account.accountId, kid);
    return noContent();
  });
}

const dynamodb = dynamoDB();

export const handler = createRevokeSigningSecretHandler({ accounts: userAccounts(dynamodb), secrets: signingSecrets(dynamodb), edge: edgeStore() });
