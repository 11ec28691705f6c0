import { accountOf, type UserAccountStore } from './core/account-keys';
import { type SigningSecretStore, toApiSigningSecret } from './core/signing-secrets';
import { dynamoDB, signingSecrets, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { sessionHandler } from './transport/session-handler';

export interface ListSigningSecretsDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
  readonly secrets: Pick<SigningSecretStore, 'list'>;
}

/** GET /api/account/signing-secrets: the account's URL-signing secrets, newest first, by `kid` (never the values). */
export function createListSigningSecretsHandler(deps: ListSigningSecretsDeps): ApiHandler {
  return sessionHandler(async (_event, user) => {
    const account = await accountOf(deps.accounts, user, new Date());
    const { secrets } = await deps.secrets.list(account.accountId);
    return success(200, { signing_secrets: secrets.map((secret) => toApiSigningSecret(secret)) }, { 'Cache-Control': 'no-store' });
  });
}

const dynamodb = dynamoDB();

export const handler = createListSigningSecretsHandler({ accounts: userAccounts(dynamodb), secrets: signingSecrets(dynamodb) });
