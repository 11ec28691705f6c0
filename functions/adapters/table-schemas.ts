/**
 * Key schemas of the DynamoDB tables, shared by the CDK storage construct and the local
 * emulator's table creation so both always agree.
 */
export const IMAGES_TABLE_SCHEMA = {
  partitionKey: 'id',
  byAccountIndex: { name: 'byAccount', partitionKey: 'account_id', sortKey: 'created_key' },
  /** Sparse: only pending large uploads carry `pending`, so the sweep queries just those. */
  pendingIndex: { name: 'byPendingExpiry', partitionKey: 'pending', sortKey: 'expires_at' },
  /** Sparse: ready images carry `account_sha` (`<account>#<sha256>`), so an upload finds the account's copy of its bytes (docs/apps.md). */
  byShaIndex: { name: 'bySha', partitionKey: 'account_sha' },
  /** Sparse: only images with an `expires_at` carry `expiring`, so the sweep finds the expired ones (docs/edge.md). */
  expiryIndex: { name: 'byImageExpiry', partitionKey: 'expiring', sortKey: 'image_expires_at' },
  /**
   * No TTL on this table: a pending record must outlive a late finalize (Lambda retries, a
   * redrive from the dead-letter queue, the sweep), so only the sweep removes pending records,
   * after it has looked for their bytes (docs/security-and-reliability.md). TTL would delete them unseen.
   */
} as const;

export const KEYS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  byKeyIdIndex: { name: 'byKeyId', partitionKey: 'key_id' },
  /**
   * TTL attribute, carried only by the tombstone of a deleted account (docs/account-deletion.md),
   * which DynamoDB then removes a day later; the code reads an expired tombstone as gone anyway.
   */
  ttlAttribute: 'expires_at',
} as const;

export const COUNTERS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  /**
   * Sparse and keys only: Idempotency-Key records carry `idem_account` (their account), so an
   * account's deletion finds its records without a scan (docs/account-deletion.md).
   */
  byIdempotencyAccountIndex: { name: 'byIdempotencyAccount', partitionKey: 'idem_account', keysOnly: true },
  /** TTL attribute: expired windows are deleted by DynamoDB; correctness never depends on it. */
  ttlAttribute: 'expires_at',
} as const;

/**
 * The lookups of core/image-lookups.ts: one item per metadata pair and per perceptual-hash band
 * of an image, under `pk` (what is looked up) and `sk` (the order within it).
 */
export const LOOKUPS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
} as const;

/** Account exports (docs/apps.md): by account, then export id; expired ones are deleted by DynamoDB. */
export const EXPORTS_TABLE_SCHEMA = {
  partitionKey: 'account_id',
  sortKey: 'export_id',
  /** TTL attribute: an export's record goes some time after its zip did (the bucket's lifecycle rule). */
  ttlAttribute: 'expires_at',
} as const;

/**
 * Webhooks (docs/webhooks.md): endpoints and image owners under `account#<id>` / `image#<id>`,
 * each endpoint's deliveries under `endpoint#<id>`. Finished deliveries are deleted by DynamoDB
 * some days after their last attempt.
 */
export const WEBHOOKS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expires_at',
  /** An endpoint's deliveries by creation time, for its log (newest first). */
  byEndpointIndex: { name: 'byEndpoint', partitionKey: 'log_endpoint', sortKey: 'created_key' },
  /** Sparse: only deliveries still being tried carry `pending_account`. */
  pendingIndex: { name: 'byPending', partitionKey: 'pending_account' },
  /** Image owners by account, to remove them with the account. */
  ownerIndex: { name: 'byOwner', partitionKey: 'owner_account' },
} as const;
