import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { InvalidSessionError } from '../core/sessions';

/** Where a user pool's tokens come from: its issuer URL and the app client they are issued to. */
export interface SessionIssuer {
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>` on AWS; cognito-local's `http://127.0.0.1:<port>/<pool id>` locally. */
  readonly issuer: string;
  /** The console's app client: the ID token's audience. */
  readonly clientId: string;
}

/**
 * Verifies a session token and returns its claims (as strings, the way API Gateway passes them);
 * throws InvalidSessionError for a token that is not one of the pool's, anything else when the
 * pool's keys cannot be fetched.
 */
export type SessionTokenVerifier = (token: string) => Promise<Record<string, string>>;

/**
 * Checks a Cognito ID token as API Gateway's Cognito authorizer does: signed (RS256) by a key of
 * the pool's JWKS (`<issuer>/.well-known/jwks.json`, fetched once and kept, refetched for an
 * unknown key id), issued by the pool, to the console's app client, not expired, an ID token.
 * jose rather than aws-jwt-verify: cognito-local's issuer (`http://127.0.0.1:<port>/...`) is not
 * one aws-jwt-verify accepts, and one verifier serves AWS and local mode alike
 * (docs/accounts-and-console.md).
 */
export function cognitoTokenVerifier(pool: SessionIssuer): SessionTokenVerifier {
  const jwks = createRemoteJWKSet(new URL(`${pool.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`));
  return async (token) => {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer: pool.issuer, audience: pool.clientId, algorithms: ['RS256'] }));
    } catch (error) {
      // The pool's keys out of reach is the verifier failing (a 5xx, not cached), not a bad token (401).
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout) && !(error instanceof errors.JWKSInvalid)) {
        throw new InvalidSessionError(error.code);
      }
      throw error;
    }
    if (payload.token_use !== 'id') throw new InvalidSessionError('not an ID token');
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) claims[name] = typeof value === 'string' ? value : JSON.stringify(value);
    return claims;
  };
}
