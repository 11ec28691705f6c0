import type { UserAccountStore } from './account-keys';
import { AccountDeletedError, sessionUserOf, sessionWindowId, type UserAccount } from './accounts';

/**
 * The console's session on the image routes (docs/accounts-and-console.md): the signed-in
 * person's Cognito ID token instead of an API key. It is metered like a key of the person's
 * account: one hourly window per account (`sessionWindowId`) and, on AWS, the console sessions'
 * API Gateway key, made once by the stack. Signing in and out makes no API Gateway call at all.
 */

/** A token that is not a valid session of our user pool (forged, expired, another pool or client, not an ID token). */
export class InvalidSessionError extends Error {
  constructor(readonly reason: string) {
    super(`invalid session token: ${reason}`);
    this.name = 'InvalidSessionError';
  }
}

export interface SessionAuthentication {
  /**
   * The verified claims of a session token. Throws InvalidSessionError for a token that is not
   * one of ours; anything else it throws is the verifier failing (its keys unreachable).
   */
  readonly verify: (token: string) => Promise<Readonly<Record<string, unknown>>>;
  /**
   * The person's account, read only: the authorizer never writes (a role that could write
   * account records could tie a person to another account). The account routes make it, and the
   * console's first call after signing in is one of them.
   */
  readonly accounts: Pick<UserAccountStore, 'find'>;
  /** What the usage plan meters every session under (the stack's one key for them). */
  readonly usageIdentifier: string;
}

export interface AuthenticatedSession {
  readonly account: UserAccount;
  /** The hourly window the session's requests count in: its account's console window. */
  readonly windowId: string;
  readonly usageIdentifier: string;
}

/**
 * The account a session token belongs to; InvalidSessionError when it is not a session of ours,
 * or its person has no account yet (no account route called since signing up), or the account
 * is being deleted or is deleted (docs/account-deletion.md: its still-valid tokens stop at once).
 */
export async function authenticateSession(deps: SessionAuthentication, token: string): Promise<AuthenticatedSession> {
  const user = sessionUserOf(await deps.verify(token));
  if (!user) throw new InvalidSessionError('no sub or email, or not an ID token');
  const account = await deps.accounts.find(user.sub).catch((error: unknown) => {
    if (error instanceof AccountDeletedError) throw new InvalidSessionError('account deleted or being deleted');
    throw error;
  });
  if (!account) throw new InvalidSessionError('no account yet: an account route makes it');
  return { account, windowId: sessionWindowId(account.accountId), usageIdentifier: deps.usageIdentifier };
}
