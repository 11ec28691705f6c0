import { generateUsageIdentifier, type UsagePlanKeys } from './api-keys';
import type { Metrics } from './metrics';

/**
 * Account meters (docs/quotas.md#api-gateway-keys-one-per-account): the one usage identifier
 * every key of an account is metered under, and on AWS the one API Gateway key holding it. So
 * API Gateway keys grow with accounts, never with keys or sessions: an account's first key makes
 * its meter (two control-plane calls, once), every later key reuses it, and revoking a key
 * touches nothing in API Gateway.
 */

/** The API Gateway keys Imager holds besides the account meters: the one of the console's sessions (lib/api.ts). */
export const STACK_API_KEYS = 1;

/** API Gateway's hard limit of API keys per AWS account and region (not raisable). */
export const API_KEYS_PER_REGION = 10_000;

/**
 * The share of that ceiling at which Imager speaks up: the `ApiGatewayKeysCeiling` alarm
 * (lib/monitoring.ts), the CLI's warning and the preflight's note (docs/quotas.md).
 */
export const API_KEYS_ALARM_SHARE = 0.8;

export interface AccountMeter {
  readonly accountId: string;
  /** What the authorizer returns as `usageIdentifierKey` for every key of the account. */
  readonly usageIdentifier: string;
  /** The API Gateway key whose value is `usageIdentifier` (on AWS; absent locally). */
  readonly apiGatewayKeyId?: string;
  readonly createdAt: string;
}

/** Port: the meters, one per account (implemented by `DynamoKeyStore`, in the keys table). */
export interface MeterStore {
  findMeter(accountId: string): Promise<AccountMeter | undefined>;
  /** Stores the meter unless the account already has one; false when it had. */
  putMeter(meter: AccountMeter): Promise<boolean>;
  /** Counts one more API Gateway key held by a meter; returns how many they hold now. */
  countApiGatewayKey(): Promise<number>;
}

export interface MeterDeps {
  readonly meters: MeterStore;
  /** Undefined in local mode (the local gateway meters the usage identifier itself). */
  readonly usagePlan?: UsagePlanKeys;
  /** Where the count of API Gateway keys goes (the ceiling's alarm, lib/monitoring.ts). */
  readonly metrics?: Pick<Metrics, 'apiGatewayKeys' | 'flush'>;
  /** Where a failed clean-up or count is reported (neither fails the key being issued). */
  readonly log?: { error(message: string, details: Record<string, unknown>): void };
}

/**
 * The account's meter, made on first use: a random usage identifier and, on AWS, an API
 * Gateway key holding it on the usage plan. Two first keys of one account at once both create
 * an API key, but only one meter is stored (a conditional put); the other API key is deleted
 * again and both keys use the stored meter. If the meter cannot be stored, its API key is
 * removed, so no API Gateway key exists that no account holds.
 */
export async function accountMeter(deps: MeterDeps, accountId: string, now = new Date()): Promise<AccountMeter> {
  const existing = await deps.meters.findMeter(accountId);
  if (existing) return existing;
  const usageIdentifier = generateUsageIdentifier();
  const apiGatewayKeyId = deps.usagePlan ? await deps.usagePlan.add(usageIdentifier, { accountId }) : undefined;
  const meter: AccountMeter = { accountId, usageIdentifier, createdAt: now.toISOString(), ...(apiGatewayKeyId ? { apiGatewayKeyId } : {}) };
  const dropOurs = async (): Promise<void> => {
    if (!deps.usagePlan || !apiGatewayKeyId) return;
    await deps.usagePlan.remove(apiGatewayKeyId).catch((error: unknown) => deps.log?.error('API Gateway key left behind', { accountId, apiGatewayKeyId, error }));
  };
  let stored: boolean;
  try {
    stored = await deps.meters.putMeter(meter);
  } catch (error) {
    await dropOurs();
    throw error;
  }
  if (!stored) {
    await dropOurs();
    const winner = await deps.meters.findMeter(accountId);
    if (!winner) throw new Error(`account ${accountId} has no meter after another request made it`);
    return winner;
  }
  if (apiGatewayKeyId) await countKey(deps, accountId);
  return meter;
}

/** Records the new total for the ceiling's alarm; a failure here only delays the gauge to the next meter. */
async function countKey(deps: MeterDeps, accountId: string): Promise<void> {
  try {
    const held = await deps.meters.countApiGatewayKey();
    deps.metrics?.apiGatewayKeys(held + STACK_API_KEYS);
    await deps.metrics?.flush();
  } catch (error) {
    deps.log?.error('API Gateway key not counted', { accountId, error });
  }
}
