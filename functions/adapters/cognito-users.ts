import { AdminDeleteUserCommand, type CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { AccountUsers } from '../core/account-deletion';

/**
 * What a sign-in with a wrong password is answered: Cognito says NotAuthorizedException (also for
 * an unknown user, the client preventing user-existence errors); cognito-local says
 * InvalidPasswordException.
 */
const WRONG_PASSWORD = new Set(['NotAuthorizedException', 'UserNotFoundException', 'InvalidPasswordException']);

const errorName = (error: unknown): string | undefined => (error as { name?: string }).name;

/**
 * The user pool's people: the password checked with the app client's own sign-in
 * (USER_PASSWORD_AUTH, which the console's client allows: lib/identity.ts; no IAM permission is
 * involved, as for the console), and the user deleted with AdminDeleteUser (the only grant).
 */
export class CognitoUsers implements AccountUsers {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly pool: { readonly userPoolId: string; readonly clientId: string },
  ) {}

  async checkPassword(username: string, password: string): Promise<boolean> {
    try {
      const result = await this.client.send(
        new InitiateAuthCommand({ ClientId: this.pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }),
      );
      // Tokens or a further challenge (a new password, say): either way the password was right.
      return Boolean(result.AuthenticationResult ?? result.ChallengeName);
    } catch (error) {
      if (WRONG_PASSWORD.has(errorName(error) ?? '')) return false;
      throw error;
    }
  }

  async delete(username: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.pool.userPoolId, Username: username }));
    } catch (error) {
      if (errorName(error) !== 'UserNotFoundException') throw error;
    }
  }
}
