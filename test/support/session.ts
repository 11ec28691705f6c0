import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { LocalApi } from '../../local/app';

export interface SignedIn {
  readonly email: string;
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

let counter = 0;

/** A unique, valid email for one test user. */
export function newEmail(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export const TEST_PASSWORD = 'Correct-Horse-9-Battery';

/**
 * Signs a new person up against the local API's Cognito emulator the way the console does
 * (SignUp, ConfirmSignUp with the code the emulator "emailed", InitiateAuth USER_PASSWORD_AUTH).
 */
export async function signUpAndIn(api: Pick<LocalApi, 'cognito' | 'confirmationCodes'>, email = newEmail()): Promise<SignedIn> {
  const client = new CognitoIdentityProviderClient({
    endpoint: api.cognito.endpoint,
    region: api.cognito.region,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  try {
    const clientId = api.cognito.clientId;
    await client.send(new SignUpCommand({ ClientId: clientId, Username: email, Password: TEST_PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }));
    const code = api.confirmationCodes.get(email);
    if (!code) throw new Error(`no confirmation code was sent to ${email}`);
    await client.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: email, ConfirmationCode: code }));
    const result = await client.send(
      new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: TEST_PASSWORD } }),
    );
    const auth = result.AuthenticationResult!;
    return { email, idToken: auth.IdToken!, accessToken: auth.AccessToken!, refreshToken: auth.RefreshToken! };
  } finally {
    client.destroy();
  }
}
