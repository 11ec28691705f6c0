import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { CognitoUsers } from '../adapters/cognito-users';
import { DynamoAccountDeletion } from '../adapters/dynamo-account-deletion';
import { DynamoAccountErasure } from '../adapters/dynamo-account-erasure';
import { S3DeletionRequests } from '../adapters/s3-deletion-requests';
import { API_CLIENT_OPTIONS, BACKGROUND_CLIENT_OPTIONS } from '../adapters/client-options';
import { requireString } from '../core/config';

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

/** The user pool (USER_POOL_ID, USER_POOL_CLIENT_ID: set by the identity construct, or local mode). */
export function accountUsers(use: 'api' | 'background', env: Env = process.env): CognitoUsers {
  return new CognitoUsers(new CognitoIdentityProviderClient(use === 'api' ? API_CLIENT_OPTIONS : BACKGROUND_CLIENT_OPTIONS), {
    userPoolId: requireString(env, 'USER_POOL_ID'),
    clientId: requireString(env, 'USER_POOL_CLIENT_ID'),
  });
}
