import { sessionWindowId, type UserAccount } from './accounts';
import type { KeyRecordStore, UsagePlanKeys } from './account-keys';
import type { MeterStore } from './account-meters';
import { type EdgeStore, secretKey } from './edge-entries';
import { EXPORT_PREFIX, EXPORT_REQUEST_PREFIX } from './exports';
import { DIRECT_PREFIX, objectKeyFor } from './ids';
import { type ImageLookups, lookupsOf } from './image-lookups';
import { deleteImage, type ImageObjects, type ImageRecord, type RecordPage } from './images';
import type { PrefixRemover } from './purge';
import type { SigningSecretStore } from './signing-secrets';
import { announceRemoval, type RemovalDeps } from './webhook-fan-out';

/**
 * The steps of an account's deletion, in order (docs/account-deletion.md). Each step's `run` does
 * one page of its work and answers `more` (call again) or `done` (nothing of its kind is left).
 * Every step works from what is still stored, never from a remembered position inside it: it
 * deletes what it finds and finds less each time, so running a page twice, or being killed in
 * the middle of one, leaves the same state as running it once. A new step is one more entry of
 * `DELETION_STEPS` before `cognito-user` (whose user the steps before it may still need).
 */

/** Images deleted per page: each is a few requests, in parallel. */
export const ERASE_PAGE = 25;
/** How long the deletion waits, at most, for the account's webhook deliveries to be tried (docs/account-deletion.md). */
export const WEBHOOK_WAIT_MS = 60 * 60 * 1000;
/** The pause between two looks at the deliveries still being tried. */
export const WEBHOOK_POLL_MS = 2000;

/** Ports of the items that only the deletion removes (adapters/dynamo-account-erasure.ts). */
export interface ErasureItems {
  /** Deletes the key records (`key#<hash>`) of these hashes. */
  deleteKeyRecords(hashes: readonly string[]): Promise<void>;
  /** Deletes the account's signing-secret item. */
  deleteSigningSecrets(accountId: string): Promise<void>;
  /** Deletes the account's totals and, per key, its last-used marker and hourly windows of the last day. */
  deleteCounters(accountId: string, keyIds: readonly string[], nowMs: number): Promise<void>;
  /** The ids of the account's export records (a page) and their deletion. */
  exportIds(accountId: string, limit: number): Promise<string[]>;
  deleteExports(accountId: string, ids: readonly string[]): Promise<void>;
  /** The ids of the account's Idempotency-Key records (a page, from their index) and their deletion. */
  idempotencyIds(accountId: string, limit: number): Promise<string[]>;
  deleteIdempotencyRecords(ids: readonly string[]): Promise<void>;
  /** Deletes the account's meter record (`meter#<account>`), counting its API Gateway key off the gauge's total. */
  deleteMeter(accountId: string): Promise<void>;
}

export interface ErasureDeps {
  readonly keys: Pick<KeyRecordStore, 'findByHashes' | 'revoke'> & { clearApiGatewayKeyId(keyHash: string): Promise<void> };
  /** The account's meter (core/account-meters.ts): its API Gateway key goes with the account. */
  readonly meters: Pick<MeterStore, 'findMeter'>;
  /** The account meters' usage plan; undefined locally (no API Gateway keys there). */
  readonly usagePlan?: UsagePlanKeys;
  readonly records: {
    listByAccount(accountId: string, limit: number, after?: string): Promise<RecordPage>;
    get(id: string): Promise<ImageRecord | undefined>;
    delete(id: string, accountId: string): Promise<boolean>;
  };
  readonly objects: Pick<ImageObjects, 'delete'> & PrefixRemover;
  readonly uploads: { abort(key: string, uploadId: string): Promise<void> };
  readonly lookups: Pick<ImageLookups, 'delete'>;
  readonly secrets: Pick<SigningSecretStore, 'list'>;
  readonly edge: EdgeStore;
  readonly items: ErasureItems;
  readonly users: { delete(username: string): Promise<void> };
  /** The account's webhooks (core/webhooks.ts): its removals announced, then its endpoints and logs removed. */
  readonly webhooks: RemovalDeps;
  readonly nowMs?: () => number;
  /** Waits between looks at what is still being tried (a timer by default). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type StepOutcome = 'done' | 'more';

/** What a step is told of the deletion as stored (core/account-deletion.ts AccountDeletion). */
export interface StepPosition {
  /** When the position moved to this step. */
  readonly stepStartedAt?: string;
}

export interface DeletionStep {
  readonly name: string;
  /** `position`: the deletion as stored (when this step began, for one that waits). */
  readonly run: (deps: ErasureDeps, account: UserAccount, position: StepPosition) => Promise<StepOutcome>;
}

/**
 * Revokes every key record of the account: the authorizer refuses each from its next call (and,
 * with the stage's cache flushed by DELETE /api/account, at once). Only records change: the
 * account's keys share one API Gateway key, its meter, which the `meter` step deletes.
 */
export async function revokeAllKeys(deps: Pick<ErasureDeps, 'keys'>, account: UserAccount): Promise<void> {
  const records = (await deps.keys.findByHashes(Object.values(account.keys))).filter((record) => record.accountId === account.accountId);
  for (const record of records) if (!record.revokedAt) await deps.keys.revoke(record.keyId);
}

/**
 * Keys made before account meters had an API Gateway key each (`npm run keys -- migrate` retires
 * them): any such key of the account is deleted here, and forgotten on its record.
 */
async function removeLegacyApiKeys(deps: Pick<ErasureDeps, 'keys' | 'usagePlan'>, account: UserAccount): Promise<void> {
  if (!deps.usagePlan) return;
  const records = (await deps.keys.findByHashes(Object.values(account.keys))).filter((record) => record.accountId === account.accountId);
  for (const record of records) {
    if (!record.apiGatewayKeyId) continue;
    await deps.usagePlan.remove(record.apiGatewayKeyId);
    await deps.keys.clearApiGatewayKeyId(record.keyHash);
  }
}

/**
 * One image, through the normal removal path: the published object first (its removal runs
 * PurgeImage: the id onto the edge's deny-list, its variants deleted, and whatever else listens
 * to removals), then its lookups, then the record (which moves the account's totals). Lookups go
 * before the record here, unlike the delete route: the record is what finds them again, so a
 * run killed between the two must still have it. A pending large upload also has its multipart
 * upload aborted and its upload object deleted.
 */
async function eraseImage(deps: ErasureDeps, listed: ImageRecord): Promise<void> {
  const record = (await deps.records.get(listed.id)) ?? listed;
  if (record.accountId !== listed.accountId) return;
  if (record.state === 'pending') {
    if (record.multipart) await deps.uploads.abort(record.objectKey, record.multipart.uploadId);
    await deps.objects.delete(record.objectKey);
    // A finalize that published meanwhile: its object goes (and is purged) like any other.
    await deps.objects.delete(objectKeyFor(record.id, DIRECT_PREFIX));
  }
  const entries = lookupsOf(record);
  if (entries.length > 0) await deps.lookups.delete(entries);
  // The record last: deleteImage deletes the object (again, harmless for a pending one), then it.
  await deleteImage(deps, record.state === 'pending' ? { ...record, objectKey: objectKeyFor(record.id, DIRECT_PREFIX) } : record);
}

/** The steps, in order. The position names one of them; the account record goes after the last. */
export const DELETION_STEPS: readonly DeletionStep[] = [
  {
    name: 'keys',
    async run(deps, account) {
      await revokeAllKeys(deps, account);
      await removeLegacyApiKeys(deps, account);
      return 'done';
    },
  },
  {
    name: 'images',
    async run(deps, account) {
      // Always the first page of what is left: deleted images leave it, so no cursor is needed.
      const page = await deps.records.listByAccount(account.accountId, ERASE_PAGE);
      await Promise.all(page.records.map((record) => eraseImage(deps, record)));
      return page.records.length === 0 ? 'done' : 'more';
    },
  },
  {
    // Every image's removal is told to the account's endpoints (docs/webhooks.md): the queue
    // announces most of them (PurgeImage), and what it has not yet is announced here from the
    // owners left. Then the deliveries are tried for up to an hour, and the endpoints, their
    // logs and the owners go (a delivery still failing then is given up).
    name: 'webhooks',
    async run(deps, account, position) {
      const { store } = deps.webhooks;
      const nowMs = deps.nowMs?.() ?? Date.now();
      const unannounced = await store.imageOwnerIds(account.accountId, ERASE_PAGE);
      await Promise.all(unannounced.map((imageId) => announceRemoval(deps.webhooks, imageId, nowMs)));
      if (unannounced.length > 0) return 'more';
      // Measured from the step's start (a position stored without one waits no longer).
      const waited = nowMs - Date.parse(position.stepStartedAt ?? '');
      if (waited < WEBHOOK_WAIT_MS && (await store.hasPendingDeliveries(account.accountId))) {
        await (deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))))(WEBHOOK_POLL_MS);
        return 'more';
      }
      await store.removeAccount(account.accountId);
      return 'done';
    },
  },
  {
    // The answers replayed to retried uploads (core/idempotency.ts): each holds an image's answer.
    name: 'idempotency',
    async run(deps, account) {
      const ids = await deps.items.idempotencyIds(account.accountId, ERASE_PAGE);
      if (ids.length > 0) await deps.items.deleteIdempotencyRecords(ids);
      return ids.length === 0 ? 'done' : 'more';
    },
  },
  {
    name: 'exports',
    async run(deps, account) {
      await deps.objects.deletePrefix(`${EXPORT_PREFIX}${account.accountId}/`);
      await deps.objects.deletePrefix(`${EXPORT_REQUEST_PREFIX}${account.accountId}/`);
      const ids = await deps.items.exportIds(account.accountId, ERASE_PAGE);
      if (ids.length > 0) await deps.items.deleteExports(account.accountId, ids);
      return ids.length === 0 ? 'done' : 'more';
    },
  },
  {
    name: 'signing-secrets',
    async run(deps, account) {
      const { secrets } = await deps.secrets.list(account.accountId);
      if (secrets.length > 0) await deps.edge.update({ deletes: secrets.map((secret) => secretKey(secret.kid)) });
      await deps.items.deleteSigningSecrets(account.accountId);
      return 'done';
    },
  },
  {
    name: 'counters',
    async run(deps, account) {
      // Each key's windows and last use, and the console session's window (core/sessions.ts).
      const windows = [...Object.keys(account.keys), sessionWindowId(account.accountId)];
      await deps.items.deleteCounters(account.accountId, windows, deps.nowMs?.() ?? Date.now());
      return 'done';
    },
  },
  {
    // The account's meter: its API Gateway key first (a run killed between the two finds the
    // record again and deletes the key again, which is no error), then the record.
    name: 'meter',
    async run(deps, account) {
      const meter = await deps.meters.findMeter(account.accountId);
      if (meter?.apiGatewayKeyId && deps.usagePlan) await deps.usagePlan.remove(meter.apiGatewayKeyId);
      if (meter) await deps.items.deleteMeter(account.accountId);
      return 'done';
    },
  },
  {
    name: 'key-records',
    async run(deps, account) {
      await deps.items.deleteKeyRecords(Object.values(account.keys));
      return 'done';
    },
  },
  {
    name: 'cognito-user',
    async run(deps, account) {
      await deps.users.delete(account.email);
      return 'done';
    },
  },
];
