import { type APIGatewayClient, GetAuthorizersCommand } from '@aws-sdk/client-api-gateway';
import { ApiGatewayUsagePlanKeys } from '../functions/adapters/api-gateway-usage-keys';
import type { DynamoKeyStore, KeyRecord } from '../functions/adapters/dynamo-key-store';
import { accountMeter, API_KEYS_ALARM_SHARE, API_KEYS_PER_REGION, type MeterDeps } from '../functions/core/account-meters';
import { generateAccountId, issueKey, KeyCollisionError } from '../functions/core/api-keys';

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
  /** Active keys moved onto their account's meter (from an identifier of their own, or none). */
  migrated: number;
  /** API Gateway keys of single keys deleted (the keys' own, from before account meters). */
  retired: number;
  /** Keys that were on their account's meter already. */
  alreadyDone: number;
}

export interface KeyAdminOptions {
  /** How `migrate` waits out the authorizer cache (a timer; tests pass their own). */
  readonly wait?: (ms: number) => Promise<void>;
  /** Progress and warnings for the operator (stderr in the CLI). */
  readonly say?: (message: string) => void;
}

const ACCOUNT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** API Gateway's cache TTL when an authorizer does not set one. */
const DEFAULT_AUTHORIZER_TTL_SECONDS = 300;

export class KeyAdminError extends Error {}

type Store = Pick<
  DynamoKeyStore,
  'ensureAccount' | 'putKey' | 'revoke' | 'listKeys' | 'repointUsageIdentifier' | 'clearApiGatewayKeyId' | 'findMeter' | 'putMeter' | 'countApiGatewayKey'
>;

/**
 * Key lifecycle for `npm run keys`. Locally it only writes the keys table; against a deployed
 * stack an account's first key also makes its meter, an API Gateway API key whose value is the
 * account's random usage identifier (never a key), attached to the usage plan, which meters every
 * key of the account. Creation goes through `issueKey` (functions/core/api-keys.ts), the same
 * function the console uses; revoking is a table write only, as in the console.
 */
export class KeyAdmin {
  private readonly usagePlan: ApiGatewayUsagePlanKeys | undefined;
  private readonly meters: MeterDeps;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly say: (message: string) => void;

  constructor(
    private readonly store: Store,
    private readonly gateway?: GatewayTarget,
    options: KeyAdminOptions = {},
  ) {
    this.usagePlan = gateway ? new ApiGatewayUsagePlanKeys(gateway.client, gateway) : undefined;
    this.wait = options.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.say = options.say ?? (() => undefined);
    const say = this.say;
    this.meters = {
      meters: store,
      usagePlan: this.usagePlan,
      // The CLI writes no metrics (that is the functions' log): it says it, at the alarm's threshold.
      metrics: {
        apiGatewayKeys(count) {
          if (count >= API_KEYS_ALARM_SHARE * API_KEYS_PER_REGION) {
            say(`Imager now holds ${count} API Gateway keys in this region, of the ${API_KEYS_PER_REGION} allowed: see docs/quotas.md for the way past it.`);
          }
        },
        flush: async () => undefined,
      },
      log: { error: (message, details) => say(`${message}: ${JSON.stringify(details)}`) },
    };
  }

  async create(accountName: string, now = new Date()): Promise<CreatedKey> {
    if (!ACCOUNT_NAME.test(accountName)) {
      throw new KeyAdminError('--name must be 1 to 64 characters from [A-Za-z0-9._-]');
    }
    const account = await this.store.ensureAccount(accountName, generateAccountId(), now);
    try {
      const meter = async (accountId: string) => (await accountMeter(this.meters, accountId, now)).usageIdentifier;
      const { key, record } = await issueKey({ store: this.store, meter }, account, now);
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
   * Marks the key revoked in the table: the authorizer refuses it from its next call, so on AWS
   * it stops working within the authorizer cache's TTL (`IMAGER_AUTH_CACHE_SECONDS`). Nothing
   * in API Gateway changes (the account's meter stays for its other keys) and no cache is
   * flushed (that would empty every customer's cached answers). A key from before account
   * meters keeps its own API key until `migrate` deletes it.
   */
  async revoke(keyId: string, now = new Date()): Promise<KeySummary> {
    const record = await this.store.revoke(keyId, now);
    if (!record) throw new KeyAdminError(`No key with id ${keyId}`);
    return { ...summary(record), status: 'revoked', revokedAt: record.revokedAt ?? now.toISOString() };
  }

  /**
   * Moves keys made before account meters onto their account's meter (docs/api.md#keys), once
   * after upgrading. Until it runs those keys keep working as they were: the authorizer returns
   * their own identifier (or, older still, the key itself) and their own API key still holds it.
   * For each active key: its account's meter (made if need be), the record pointed at it
   * (conditionally, so two runs cannot disagree). Then, on AWS, the keys' own API keys are
   * deleted, but only once the authorizer cache's TTL has passed since the records changed:
   * answers cached before still name them (no cache flush). Revoked keys just lose their API key.
   * Safe to run again, also after an interruption: what is done is skipped.
   */
  async migrate(): Promise<MigrationReport> {
    const report: MigrationReport = { migrated: 0, retired: 0, alreadyDone: 0 };
    const retireLater: KeyRecord[] = [];
    for (const record of await this.store.listKeys()) {
      if (record.revokedAt) {
        // Refused by the authorizer whatever it is metered under: its API key can go at once.
        if (this.usagePlan && record.apiGatewayKeyId) {
          await this.retire(record);
          report.retired += 1;
        }
        continue;
      }
      const meter = await accountMeter(this.meters, record.accountId);
      if (record.usageIdentifier === meter.usageIdentifier) {
        if (!record.apiGatewayKeyId) report.alreadyDone += 1;
      } else if (await this.store.repointUsageIdentifier(record.keyHash, record.usageIdentifier, meter.usageIdentifier)) {
        report.migrated += 1;
      } else {
        // Another run moved it meanwhile.
        report.alreadyDone += 1;
      }
      if (this.usagePlan && record.apiGatewayKeyId) retireLater.push(record);
    }
    if (retireLater.length > 0) {
      const seconds = await this.authorizerCacheSeconds();
      this.say(`Waiting ${seconds} s (the authorizer cache) before deleting ${retireLater.length} API key(s) of single keys...`);
      await this.wait(seconds * 1000);
      for (const record of retireLater) await this.retire(record);
      report.retired += retireLater.length;
    }
    return report;
  }

  /** Deletes a key's own API key (from before account meters) and forgets its id. */
  private async retire(record: KeyRecord): Promise<void> {
    await this.usagePlan!.remove(record.apiGatewayKeyId!);
    await this.store.clearApiGatewayKeyId(record.keyHash);
  }

  /** The TOKEN authorizer's result TTL on the stage's API: how long a cached answer may be used. */
  private async authorizerCacheSeconds(): Promise<number> {
    const { client, restApiId } = this.gateway!;
    let position: string | undefined;
    do {
      const page = await client.send(new GetAuthorizersCommand({ restApiId, position }));
      const token = page.items?.find((item) => item.type === 'TOKEN');
      if (token) return token.authorizerResultTtlInSeconds ?? DEFAULT_AUTHORIZER_TTL_SECONDS;
      position = page.position;
    } while (position);
    throw new KeyAdminError(`API ${restApiId} has no TOKEN authorizer: is it an Imager stack?`);
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
