/**
 * Key schemas of the DynamoDB tables, shared by the CDK storage construct and the local
 * emulator's table creation so both always agree.
 */
export const IMAGES_TABLE_SCHEMA = {
  partitionKey: 'id',
  byAccountIndex: { name: 'byAccount', partitionKey: 'account_id', sortKey: 'created_key' },
  /** Sparse: only pending large uploads carry `pending`, so the sweep queries just those. */
  pendingIndex: { name: 'byPendingExpiry', partitionKey: 'pending', sortKey: 'expires_at' },
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
} as const;

export const COUNTERS_TABLE_SCHEMA = {
  partitionKey: 'pk',
  /** TTL attribute: expired windows are deleted by DynamoDB; correctness never depends on it. */
  ttlAttribute: 'expires_at',
} as const;
