import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authenticate, bearerToken, type KeyLookup } from './core/api-keys';
import { authenticateSession, InvalidSessionError, type SessionAuthentication } from './core/sessions';
import { logger } from './runtime/logger';
import { dynamoDB, keyStore, sessionAuthentication } from './runtime/wiring';
import { allowStage, unauthorized } from './transport/authorizer';

export interface AuthorizerDeps {
  readonly keys: KeyLookup;
  /** The console's sessions; undefined: session tokens are refused (no user pool configured). */
  readonly sessions?: SessionAuthentication;
}

/**
 * TOKEN authorizer for every image route: `Authorization: Bearer <API key>` or the console's
 * `Bearer <Cognito ID token>` (docs/api.md#authentication). Either yields an Allow for the stage,
 * the account and the hourly window (the key's id, or the account's console window) as context,
 * and the usage identifier the usage plan meters it under as `usageIdentifierKey`: the
 * account's meter for a key, the console sessions' key for a session; a random server-side
 * value, never the customer's key (no AWS API may reveal one). Keys made before usage
 * identifiers fall back to the key itself (their API Gateway key still holds it) until
 * `npm run keys -- migrate`. Anything else throws "Unauthorized", which API Gateway turns into a 401.
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const bearer = bearerToken(event.authorizationToken);
    if (bearer?.kind === 'session') return authorizeSession(deps, bearer.token, event.methodArn);
    const auth = await authenticate(deps.keys, event.authorizationToken);
    if (!auth.allowed) {
      if (auth.looked) logger.info('key refused', { keyId: auth.looked.record?.keyId, revoked: Boolean(auth.looked.record?.revokedAt) });
      throw unauthorized();
    }
    const { record, key } = auth;
    return allowStage(event.methodArn, record.accountId, { accountId: record.accountId, keyId: record.keyId }, record.usageIdentifier ?? key);
  };
}

/**
 * A session token: verified (the JWT code is loaded on the first one, so a container that only
 * sees keys never loads it), then its person's account, read. A token that is not ours, or whose
 * person has no account yet, is a 401; an unreachable key set or table fails the authorizer (a
 * 5xx, which API Gateway does not cache).
 */
async function authorizeSession(deps: AuthorizerDeps, token: string, methodArn: string): Promise<APIGatewayAuthorizerResult> {
  if (!deps.sessions) throw unauthorized();
  try {
    const session = await authenticateSession(deps.sessions, token);
    const { accountId } = session.account;
    return allowStage(methodArn, accountId, { accountId, keyId: session.windowId }, session.usageIdentifier);
  } catch (error) {
    if (!(error instanceof InvalidSessionError)) throw error;
    logger.info('session refused', { reason: error.reason });
    throw unauthorized();
  }
}

const dynamodb = dynamoDB();

export const handler = createAuthorizer({ keys: keyStore(dynamodb), sessions: sessionAuthentication(dynamodb) });
