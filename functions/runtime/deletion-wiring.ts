import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ApiGatewayAuthorizerCache } from '../adapters/api-gateway-authorizer-cache';
import { CognitoUsers } from '../adapters/cognito-users';
import { DynamoAccountDeletion } from '../adapters/dynamo-account-deletion';
import { DynamoAccountErasure } from '../adapters/dynamo-account-erasure';
import { S3DeletionRequests } from '../adapters/s3-deletion-requests';
import { API_CLIENT_OPTIONS, BACKGROUND_CLIENT_OPTIONS } from '../adapters/client-options';
import { optionalString, requireString } from '../core/config';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Account deletion's own wiring (docs/account-deletion.md): the Cognito client only the two
 * deletion functions use, so it is not in functions/runtime/wiring.ts, which every handler
 * imports. Resource names are read here, at the cold start of those two functions.
 */
export function accountDeletions(dynamodb: DynamoDBClient, env: Env = process.env): DynamoAccountDeletion {
  return new DynamoAccountDeletion(dynamodb, requireString(env, 'KEYS_TABLE'));
}

export function deletionRequests(client: S3Client, env: Env = process.env): S3DeletionRequests {
  return new S3DeletionRequests(client, requireString(env, 'BUCKET_NAME'));
}

export function accountErasure(dynamodb: DynamoDBClient, env: Env = process.env): DynamoAccountErasure {
  return new DynamoAccountErasure(dynamodb, {
    keys: requireString(env, 'KEYS_TABLE'),
    counters: requireString(env, 'COUNTERS_TABLE'),
    exports: requireString(env, 'EXPORTS_TABLE'),
  });
}

/**
 * The stage's authorizer cache (REST_API_ID and STAGE_NAME, set by the API construct on AWS);
 * undefined locally, where the local gateway's cache lives IMAGER_AUTH_CACHE_SECONDS.
 */
export function authorizerCache(env: Env = process.env): ApiGatewayAuthorizerCache | undefined {
  const restApiId = optionalString(env, 'REST_API_ID');
  if (!restApiId) return undefined;
  return new ApiGatewayAuthorizerCache(new APIGatewayClient(API_CLIENT_OPTIONS), { restApiId, stageName: requireString(env, 'STAGE_NAME') });
}

/** The user pool (USER_POOL_ID, USER_POOL_CLIENT_ID: set by the identity construct, or local mode). */
export function accountUsers(use: 'api' | 'background', env: Env = process.env): CognitoUsers {
  return new CognitoUsers(new CognitoIdentityProviderClient(use === 'api' ? API_CLIENT_OPTIONS : BACKGROUND_CLIENT_OPTIONS), {
    userPoolId: requireString(env, 'USER_POOL_ID'),
    clientId: requireString(env, 'USER_POOL_CLIENT_ID'),
  });
}
