import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { ApiGatewayUsagePlanKeys } from '../functions/adapters/api-gateway-usage-keys';
import type { DynamoKeyStore, KeyRecord } from '../functions/adapters/dynamo-key-store';
import { generateAccountId, generateUsageIdentifier, issueKey, KeyCollisionError } from '../functions/core/api-keys';

/** Where a deployed stack's keys are metered: from the stack's outputs. */
export interface GatewayTarget {
  readonly client: APIGatewayClient;
  readonly usagePlanId: string;
  readonly restApiId: string;
  readonly stageName: string;
  /** The stack's name: its keys are tagged with it, so the stack's functions may delete them. */
  readonly stackName?: string;
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

/** What `keys migrate` did. */
export interface MigrationReport {
  /** Active keys that got a usage identifier (and, on AWS, a new API key holding it). */
  migrated: number;
  /** Revoked keys whose leftover API Gateway key (holding the raw key) was deleted. */
  cleanedUp: number;
  /** Keys that already had a usage identifier. */
  alreadyDone: number;
}

const ACCOUNT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export class KeyAdminError extends Error {}

type Store = Pick<DynamoKeyStore, 'ensureAccount' | 'putKey' | 'revoke' | 'listKeys' | 'setUsageIdentifier' | 'clearApiGatewayKeyId'>;

/**
 * Key lifecycle for `npm run keys`. Locally it only writes the keys table; against a deployed
 * stack each key is also an API Gateway API key whose value is the key's random usage
 * identifier (never the key), attached to the usage plan, so the plan meters it. Creation goes
 * through `issueKey` (functions/core/api-keys.ts), the same function the console uses.
 */
export class KeyAdmin {
  private readonly usagePlan: ApiGatewayUsagePlanKeys | undefined;

  constructor(
    private readonly store: Store,
    gateway?: GatewayTarget,
  ) {
    this.usagePlan = gateway ? new ApiGatewayUsagePlanKeys(gateway.client, gateway) : undefined;
  }

  async create(accountName: string, now = new Date()): Promise<CreatedKey> {
    if (!ACCOUNT_NAME.test(accountName)) {
      throw new KeyAdminError('--name must be 1 to 64 characters from [A-Za-z0-9._-]');
    }
    const account = await this.store.ensureAccount(accountName, generateAccountId(), now);
    try {
      const { key, record } = await issueKey({ store: this.store, usagePlan: this.usagePlan }, account, now);
      return { keyId: record.keyId, key, accountId: account.accountId, account: account.name, createdAt: record.createdAt };
    } catch (error) {
      if (error instanceof KeyCollisionError) throw new KeyAdminError('key collision; run the command again');
      throw error;
    }
  }

  async list(): Promise<KeySummary[]> {
    return (await this.store.listKeys()).map((record) => summary(record));
  }

  /**
   * Marks the key revoked in the table (the authorizer refuses it from its next call), and on
   * AWS deletes the API Gateway key (detached first; deleted, not disabled, so it stops counting
   * toward the 10,000 keys) and flushes the stage's authorizer cache so the revocation takes
   * effect at once rather than after the cache TTL.
   */
  async revoke(keyId: string, now = new Date()): Promise<KeySummary> {
    const record = await this.store.revoke(keyId, now);
    if (!record) throw new KeyAdminError(`No key with id ${keyId}`);
    if (this.usagePlan) {
      if (record.apiGatewayKeyId) {
        await this.usagePlan.remove(record.apiGatewayKeyId);
        await this.store.clearApiGatewayKeyId(record.keyHash);
      }
      await this.usagePlan.flushAuthorizerCache();
    }
    return { ...summary(record), status: 'revoked', revokedAt: record.revokedAt ?? now.toISOString() };
  }

  /**
   * One-off migration of keys created before usage identifiers (their API Gateway key held the
   * raw key). Until it runs the authorizer falls back to the key itself, so nothing breaks in
   * between. For each active key without an identifier: a new identifier, a new API key holding
   * it attached to the plan, the record updated, the authorizer cache flushed (cached answers
   * still name the old key), then the old API key deleted. Revoked keys only lose their leftover
   * API key. Safe to run again: keys already migrated are skipped.
   */
  async migrate(): Promise<MigrationReport> {
    const report: MigrationReport = { migrated: 0, cleanedUp: 0, alreadyDone: 0 };
    const retire: string[] = [];
    for (const record of await this.store.listKeys()) {
      if (record.revokedAt) {
        if (this.usagePlan && record.apiGatewayKeyId) {
          await this.usagePlan.remove(record.apiGatewayKeyId);
          await this.store.clearApiGatewayKeyId(record.keyHash);
          report.cleanedUp += 1;
        }
        continue;
      }
      if (record.usageIdentifier) {
        report.alreadyDone += 1;
        continue;
      }
      const usageIdentifier = generateUsageIdentifier();
      const newApiKeyId = this.usagePlan ? await this.usagePlan.add(usageIdentifier, { keyId: record.keyId, accountId: record.accountId }) : undefined;
      if (!(await this.store.setUsageIdentifier(record.keyHash, usageIdentifier, newApiKeyId))) {
        // Another migration got there first: keep its identifier, drop ours.
        if (this.usagePlan && newApiKeyId) await this.usagePlan.remove(newApiKeyId);
        report.alreadyDone += 1;
        continue;
      }
      if (record.apiGatewayKeyId) retire.push(record.apiGatewayKeyId);
      report.migrated += 1;
    }
    if (this.usagePlan) {
      if (report.migrated > 0) await this.usagePlan.flushAuthorizerCache();
      for (const old of retire) await this.usagePlan.remove(old);
    }
    return report;
  }
}

function summary(record: KeyRecord): KeySummary {
  return {
    keyId: record.keyId,
    account: record.accountName,
    accountId: record.accountId,
    createdAt: record.createdAt,
    status: record.revokedAt ? 'revoked' : 'active',
    ...(record.revokedAt ? { revokedAt: record.revokedAt } : {}),
  };
}
