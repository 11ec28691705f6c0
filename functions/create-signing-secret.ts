import { accountOf, type UserAccountStore } from './core/account-keys';
import { createSigningSecret, type SigningSecretDeps, toApiSigningSecret } from './core/signing-secrets';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, signingSecrets, userAccounts } from './runtime/wiring';
import type { ApiHandler } from './transport/api-handler';
import { success } from './transport/http';
import { apiPathPrefix } from './transport/request';
import { sessionHandler } from './transport/session-handler';

export interface CreateSigningSecretDeps extends SigningSecretDeps {
  readonly accounts: Pick<UserAccountStore, 'ensure'>;
}

/**
 * POST /api/account/signing-secrets: a new URL-signing secret, its value in this response only.
 * An account keeps two: creating a third retires the oldest (rotation), whose signed URLs answer
 * 403 at the edge from then on (docs/edge.md).
 */
export function createCreateSigningSecretHandler(deps: CreateSigningSecretDeps): ApiHandler {
  return sessionHandler(async (event, user) => {
    const account = await accountOf(deps.accounts, user, deps.now?.() ?? new Date());
    const { created, retired } = await createSigningSecret(deps, account.accountId);
    return success(
      201,
      { ...toApiSigningSecret(created, true), retired: retired.map((secret) => secret.kid) },
      { Location: `${apiPathPrefix(event)}/api/account/signing-secrets/${created.kid}`, 'Cache-Control': 'no-store' },
    );
  });
}

const dynamodb = dynamoDB();

export const handler = createCreateSigningSecretHandler({ accounts: userAccounts(dynamodb), secrets: signingSecrets(dynamodb), edge: edgeStore() });
