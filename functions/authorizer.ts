import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { API_CLIENT_OPTIONS } from './adapters/client-options';
import { DynamoKeyStore, type KeyRecord } from './adapters/dynamo-key-store';
import { hashApiKey, parseBearer } from './core/api-keys';
import { requireString } from './core/config';
import { logger } from './core/logger';

export interface AuthorizerDeps {
  readonly keys: { findByHash(hash: string): Promise<KeyRecord | undefined> };
}

/**
 * The policy covers every method of the stage: API Gateway caches the result per token, and a
 * policy naming only the first method would deny the caller's other routes from the cache.
 */
export function stageWildcard(methodArn: string): string {
  // arn:aws:execute-api:region:account:apiId/stage/METHOD/path... (the api id ends the first segment)
  const [apiArn, stage] = methodArn.split('/');
  if (!apiArn || !stage) return methodArn;
  return `${apiArn}/${stage}/*`;
}

/**
 * TOKEN authorizer for every /api route. A valid key yields an Allow policy, the account and
 * key ids as context, and the key's usage identifier as `usageIdentifierKey` so the usage plan
 * meters it: a random server-side value (SPEC §2), never the customer's key. Keys created before
 * usage identifiers existed fall back to the key itself (their API Gateway key still holds it)
 * until `npm run keys -- migrate` gives them one.
 * Anything else throws "Unauthorized", which API Gateway turns into a 401.
 */
export function createAuthorizer(deps: AuthorizerDeps) {
  return async (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const key = parseBearer(event.authorizationToken);
    if (!key) throw new Error('Unauthorized');
    const record = await deps.keys.findByHash(hashApiKey(key));
    if (!record || record.revokedAt) {
      logger.info('key refused', { keyId: record?.keyId, revoked: Boolean(record?.revokedAt) });
      throw new Error('Unauthorized');
    }
    return {
      principalId: record.accountId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
      },
      context: { accountId: record.accountId, keyId: record.keyId },
      usageIdentifierKey: record.usageIdentifier ?? key,
    };
  };
}

export const handler = createAuthorizer({
  keys: new DynamoKeyStore(new DynamoDBClient(API_CLIENT_OPTIONS), requireString(process.env, 'KEYS_TABLE')),
});
