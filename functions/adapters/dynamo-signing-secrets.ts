import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SigningSecretStore, StoredSigningSecret } from '../core/signing-secrets';
import { ifConditionHolds } from './dynamo-requests';

const pk = (accountId: string): string => `signing#${accountId}`;

/**
 * An account's URL-signing secrets in the keys table: one item per account (`signing#<account>`),
 * the secrets as one JSON list, and a version that every write checks and raises, so two
 * rotations at once cannot both win. DynamoDB encrypts the table at rest; the API needs the
 * values themselves to sign the account's private URLs, so they are kept, never hashed.
 */
export class DynamoSigningSecrets implements SigningSecretStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async list(accountId: string): Promise<{ secrets: StoredSigningSecret[]; version: number }> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk(accountId) } }, ConsistentRead: true }));
    const item = result.Item;
    if (!item) return { secrets: [], version: 0 };
    return { secrets: JSON.parse(item.secrets?.S ?? '[]') as StoredSigningSecret[], version: Number(item.version?.N ?? '0') };
  }

  async replace(accountId: string, secrets: readonly StoredSigningSecret[], version: number): Promise<boolean> {
    const written = await ifConditionHolds(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk(accountId) },
            account_id: { S: accountId },
            secrets: { S: JSON.stringify(secrets.map(({ kid, secret, createdAt }) => ({ kid, secret, createdAt }))) },
            version: { N: String(version + 1) },
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': { N: String(version) } } }),
        }),
      ),
    );
    return written !== undefined;
  }
}
