import {
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { ConsoleConfig } from './config';

/**
 * Sign-up, sign-in and the session, with the same SDK calls against Cognito on AWS and
 * cognito-local. Tokens are kept in localStorage under the keys amazon-cognito-identity-js (and
 * Amplify) use — `CognitoIdentityServiceProvider.<client id>.LastAuthUser` and
 * `...<client id>.<username>.idToken|accessToken|refreshToken` — so a session survives a reload
 * and other tabs share it. The ID token is refreshed before it expires; sign-out revokes the
 * refresh token (RevokeToken) before forgetting the tokens.
 */

interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

export interface Claims {
  readonly sub: string;
  readonly email: string;
  readonly exp: number;
  readonly 'cognito:username'?: string;
}

/** A Cognito error in words a person understands. */
export class AuthError extends Error {}

/** Refresh this long before the ID token expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export function decodeClaims(token: string): Claims {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Claims;
}

function describe(error: unknown, during: 'sign-up' | 'confirm' | 'sign-in' | 'refresh' | 'resend'): AuthError {
  const name = (error as { name?: string })?.name ?? '';
  const message = (error as Error)?.message ?? '';
  switch (name) {
    case 'UsernameExistsException':
      return new AuthError('An account with this email already exists. Sign in, or confirm it if you have not yet.');
    case 'InvalidPasswordException':
      // cognito-local answers a wrong password with this; real Cognito uses NotAuthorizedException.
      return during === 'sign-in'
        ? new AuthError('Incorrect email or password.')
        : new AuthError(message ? `That password is not allowed: ${message}` : 'That password is not allowed.');
    case 'NotAuthorizedException':
      return during === 'refresh' ? new AuthError('Your session has ended. Please sign in again.') : new AuthError('Incorrect email or password.');
    case 'UserNotFoundException':
      return new AuthError(during === 'sign-in' ? 'Incorrect email or password.' : 'There is no account with this email.');
    case 'UserNotConfirmedException':
      return new AuthError('This email is not confirmed yet. Enter the code we sent you.');
    case 'CodeMismatchException':
      return new AuthError('That confirmation code is not right. Check the code and try again.');
    case 'ExpiredCodeException':
      return new AuthError('That confirmation code has expired. Ask for a new one.');
    case 'LimitExceededException':
    case 'TooManyRequestsException':
    case 'TooManyFailedAttemptsException':
      return new AuthError('Too many attempts. Wait a moment and try again.');
    case 'InvalidParameterException':
      return new AuthError(message || 'Some of what you entered is not valid.');
    case 'TypeError':
      return new AuthError('Cannot reach the sign-in service. Check your connection and try again.');
    default:
      return new AuthError(message ? `Sign-in service error: ${message}` : 'The sign-in service failed. Try again.');
  }
}

export class Auth {
  private readonly client: CognitoIdentityProviderClient;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<string> | undefined;
  /** Called when the session ends without the person asking (refresh refused). */
  onSessionEnded: (reason: string) => void = () => undefined;

  constructor(private readonly config: ConsoleConfig) {
    this.client = new CognitoIdentityProviderClient({
      region: config.region,
      ...(config.cognitoEndpoint ? { endpoint: config.cognitoEndpoint } : {}),
      // SignUp, ConfirmSignUp, InitiateAuth and RevokeToken are unauthenticated calls: no AWS credentials.
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
    });
  }

  private get prefix(): string {
    return `CognitoIdentityServiceProvider.${this.config.clientId}`;
  }

  async signUp(email: string, password: string): Promise<void> {
    try {
      await this.client.send(
        new SignUpCommand({ ClientId: this.config.clientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
      );
    } catch (error) {
      throw describe(error, 'sign-up');
    }
  }

  async confirm(email: string, code: string): Promise<void> {
    try {
      await this.client.send(new ConfirmSignUpCommand({ ClientId: this.config.clientId, Username: email, ConfirmationCode: code }));
    } catch (error) {
      throw describe(error, 'confirm');
    }
  }

  async resendCode(email: string): Promise<void> {
    try {
      await this.client.send(new ResendConfirmationCodeCommand({ ClientId: this.config.clientId, Username: email }));
    } catch (error) {
      throw describe(error, 'resend');
    }
  }

  async signIn(email: string, password: string): Promise<Claims> {
    let result;
    try {
      result = await this.client.send(
        new InitiateAuthCommand({ ClientId: this.config.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
      );
    } catch (error) {
      throw describe(error, 'sign-in');
    }
    const auth = result.AuthenticationResult;
    if (!auth?.IdToken || !auth.AccessToken || !auth.RefreshToken) {
      throw new AuthError(result.ChallengeName ? `This account needs a step the console does not support yet (${result.ChallengeName}).` : 'Sign-in did not return a session.');
    }
    this.store({ idToken: auth.IdToken, accessToken: auth.AccessToken, refreshToken: auth.RefreshToken });
    return decodeClaims(auth.IdToken);
  }

  /** The signed-in person, or undefined (also when the stored session can no longer be refreshed). */
  current(): Claims | undefined {
    const tokens = this.load();
    if (!tokens) return undefined;
    this.schedule(tokens.idToken);
    return decodeClaims(tokens.idToken);
  }

  /** A valid ID token for the API, refreshed first when it is about to expire. */
  async idToken(): Promise<string> {
    const tokens = this.load();
    if (!tokens) throw new AuthError('You are signed out. Please sign in again.');
    if (decodeClaims(tokens.idToken).exp * 1000 - Date.now() > 60_000) return tokens.idToken;
    return this.refresh();
  }

  /** Uses the refresh token for new ID and access tokens (REFRESH_TOKEN_AUTH). */
  refresh(): Promise<string> {
    this.refreshing ??= (async () => {
      const tokens = this.load();
      if (!tokens) throw new AuthError('You are signed out. Please sign in again.');
      try {
        const result = await this.client.send(
          new InitiateAuthCommand({ ClientId: this.config.clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
        );
        const auth = result.AuthenticationResult;
        if (!auth?.IdToken || !auth.AccessToken) throw new AuthError('Your session has ended. Please sign in again.');
        // With refresh-token rotation Cognito returns a new refresh token; otherwise keep the old one.
        this.store({ idToken: auth.IdToken, accessToken: auth.AccessToken, refreshToken: auth.RefreshToken ?? tokens.refreshToken });
        return auth.IdToken;
      } catch (error) {
        const reason = error instanceof AuthError ? error : describe(error, 'refresh');
        if ((error as { name?: string })?.name === 'NotAuthorizedException' || error instanceof AuthError) {
          this.forget();
          this.onSessionEnded(reason.message);
        }
        throw reason;
      }
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Revokes the refresh token at Cognito, then forgets the session in this browser. */
  async signOut(): Promise<void> {
    const tokens = this.load();
    try {
      if (tokens) await this.client.send(new RevokeTokenCommand({ ClientId: this.config.clientId, Token: tokens.refreshToken }));
    } finally {
      this.forget();
    }
  }

  private store(tokens: Tokens): void {
    const username = decodeClaims(tokens.idToken)['cognito:username'] ?? decodeClaims(tokens.idToken).sub;
    localStorage.setItem(`${this.prefix}.LastAuthUser`, username);
    localStorage.setItem(`${this.prefix}.${username}.idToken`, tokens.idToken);
    localStorage.setItem(`${this.prefix}.${username}.accessToken`, tokens.accessToken);
    localStorage.setItem(`${this.prefix}.${username}.refreshToken`, tokens.refreshToken);
    localStorage.setItem(`${this.prefix}.${username}.clockDrift`, '0');
    this.schedule(tokens.idToken);
  }

  private load(): Tokens | undefined {
    const username = localStorage.getItem(`${this.prefix}.LastAuthUser`);
    if (!username) return undefined;
    const idToken = localStorage.getItem(`${this.prefix}.${username}.idToken`);
    const accessToken = localStorage.getItem(`${this.prefix}.${username}.accessToken`);
    const refreshToken = localStorage.getItem(`${this.prefix}.${username}.refreshToken`);
    if (!idToken || !accessToken || !refreshToken) return undefined;
    return { idToken, accessToken, refreshToken };
  }

  private forget(): void {
    clearTimeout(this.refreshTimer);
    const username = localStorage.getItem(`${this.prefix}.LastAuthUser`);
    if (username) {
      for (const item of ['idToken', 'accessToken', 'refreshToken', 'clockDrift']) localStorage.removeItem(`${this.prefix}.${username}.${item}`);
    }
    localStorage.removeItem(`${this.prefix}.LastAuthUser`);
  }

  /** Refreshes a few minutes before the ID token expires, so API calls never wait for it. */
  private schedule(idToken: string): void {
    clearTimeout(this.refreshTimer);
    const expiresIn = decodeClaims(idToken).exp * 1000 - Date.now();
    const delay = Math.max(0, expiresIn - Math.min(REFRESH_MARGIN_MS, expiresIn / 2));
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch(() => undefined);
    }, delay);
  }
}
