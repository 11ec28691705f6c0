import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  FlushStageAuthorizersCacheCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import type { DynamoKeyStore, KeyRecord } from '../functions/adapters/dynamo-key-store';
import { generateAccountId, generateApiKey, generateKeyId, hashApiKey } from '../functions/core/api-keys';

/** Where a deployed stack's keys are metered: from the stack's outputs. */
export interface GatewayTarget {
  readonly client: APIGatewayClient;
  readonly usagePlanId: string;
  readonly restApiId: string;
  readonly stageName: string;
}

export interface CreatedKey {
  readonly keyId: string;
  /** The secret: shown once, never stored. */
  readonly key: string;
  readonly accountId: string;
  readonly account: string;
  readonly createdAt: string;
}

export interface KeySummary {
  readonly keyId: string;
  readonly account: string;
  readonly accountId: string;
  readonly createdAt: string;
  readonly status: 'active' | 'revoked';
  readonly revokedAt?: string;
}

const ACCOUNT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export class KeyAdminError extends Error {}

/**
 * Key lifecycle for `npm run keys`. Locally it only writes the keys table; against a deployed
 * stack each key is also an API Gateway API key with the same value, attached to the usage
 * plan, so the plan meters it.
 */
export class KeyAdmin {
  constructor(
    private readonly store: Pick<DynamoKeyStore, 'ensureAccount' | 'putKey' | 'revoke' | 'listKeys'>,
    private readonly gateway?: GatewayTarget,
  ) {}

  async create(accountName: string, now = new Date()): Promise<CreatedKey> {
    if (!ACCOUNT_NAME.test(accountName)) {
      throw new KeyAdminError('--name must be 1 to 64 characters from [A-Za-z0-9._-]');
    }
    const account = await this.store.ensureAccount(accountName, generateAccountId(), now);
    const key = generateApiKey();
    const keyId = generateKeyId();
    let apiGatewayKeyId: string | undefined;
    if (this.gateway) {
      const created = await this.gateway.client.send(
        new CreateApiKeyCommand({
          name: `imager-${accountName}-${keyId}`,
          description: `Imager key ${keyId} of account ${accountName}`,
          value: key,
          enabled: true,
        }),
      );
      apiGatewayKeyId = created.id;
      try {
        await this.gateway.client.send(
          new CreateUsagePlanKeyCommand({ usagePlanId: this.gateway.usagePlanId, keyId: apiGatewayKeyId, keyType: 'API_KEY' }),
        );
      } catch (error) {
        await this.gateway.client.send(new DeleteApiKeyCommand({ apiKey: apiGatewayKeyId })).catch(() => undefined);
        throw error;
      }
    }
    const record: KeyRecord = {
      keyId,
      keyHash: hashApiKey(key),
      accountId: account.accountId,
      accountName: account.name,
      createdAt: now.toISOString(),
      apiGatewayKeyId,
    };
    try {
      if (!(await this.store.putKey(record))) throw new KeyAdminError('key collision; run the command again');
    } catch (error) {
      // Never leave a metered API Gateway key that the authorizer does not know.
      if (this.gateway && apiGatewayKeyId) {
        await this.gateway.client
          .send(new DeleteUsagePlanKeyCommand({ usagePlanId: this.gateway.usagePlanId, keyId: apiGatewayKeyId }))
          .catch(() => undefined);
        await this.gateway.client.send(new DeleteApiKeyCommand({ apiKey: apiGatewayKeyId })).catch(() => undefined);
      }
      throw error;
    }
    return { keyId, key, accountId: account.accountId, account: account.name, createdAt: record.createdAt };
  }

  async list(): Promise<KeySummary[]> {
    return (await this.store.listKeys()).map((record) => ({
      keyId: record.keyId,
      account: record.accountName,
      accountId: record.accountId,
      createdAt: record.createdAt,
      status: record.revokedAt ? 'revoked' : 'active',
      ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
    }));
  }

  /**
   * Marks the key revoked in the table (the authorizer refuses it from its next call), and on
   * AWS detaches and disables the API Gateway key and flushes the stage's authorizer cache so
   * the revocation takes effect at once rather than after the cache TTL.
   */
  async revoke(keyId: string, now = new Date()): Promise<KeySummary> {
    const record = await this.store.revoke(keyId, now);
    if (!record) throw new KeyAdminError(`No key with id ${keyId}`);
    if (this.gateway && record.apiGatewayKeyId) {
      try {
        await this.gateway.client.send(
          new DeleteUsagePlanKeyCommand({ usagePlanId: this.gateway.usagePlanId, keyId: record.apiGatewayKeyId }),
        );
      } catch (error) {
        if ((error as Error).name !== 'NotFoundException') throw error;
      }
      await this.gateway.client.send(
        new UpdateApiKeyCommand({
          apiKey: record.apiGatewayKeyId,
          patchOperations: [{ op: 'replace', path: '/enabled', value: 'false' }],
        }),
      );
      await this.gateway.client.send(
        new FlushStageAuthorizersCacheCommand({ restApiId: this.gateway.restApiId, stageName: this.gateway.stageName }),
      );
    }
    return {
      keyId: record.keyId,
      account: record.accountName,
      accountId: record.accountId,
      createdAt: record.createdAt,
      status: 'revoked',
      revokedAt: record.revokedAt ?? now.toISOString(),
    };
  }
}
