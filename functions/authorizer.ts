import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authenticate, type KeyLookup } from './core/api-keys';
import { logger } from './runtime/logger';
import { dynamoDB, keyStore } from './runtime/wiring';
import { allowStage, unauthorized } from './transport/authorizer';

export interface AuthorizerDeps {
  readonly keys: KeyLookup;
}

/**
 * TOKEN authorizer for every /api route. A valid key yields an Allow policy, the account and
 * key ids as context, and the key's usage identifier as `usageIdentifierKey` so the usage plan
 * meters it: a random server-side value, never the customer's key (no AWS API may reveal one).
 * Keys created before usage identifiers existed fall back to the key itself (their API Gateway
 * key still holds it) until `npm run keys -- migrate` gives them one.
 * Anything else throws "Unauthorized", which API Gateway turns into a 401.
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const auth = await authenticate(deps.keys, event.authorizationToken);
    if (!auth.allowed) {
      if (auth.looked) logger.info('key refused', { keyId: auth.looked.record?.keyId, revoked: Boolean(auth.looked.record?.revokedAt) });
      throw unauthorized();
    }
    const { record, key } = auth;
    return allowStage(event.methodArn, record.accountId, { accountId: record.accountId, keyId: record.keyId }, record.usageIdentifier ?? key);
  };
}

export const handler = createAuthorizer({ keys: keyStore(dynamoDB()) });
