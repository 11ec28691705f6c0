import { COUNTERS_TABLE_SCHEMA, IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA, WEBHOOKS_TABLE_SCHEMA } from './adapters/table-schemas';
import { DELETION_REQUEST_PREFIX } from './core/account-deletion';
import { EXPORT_PREFIX, EXPORT_REQUEST_PREFIX } from './core/exports';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX } from './core/ids';
import { API_FUNCTION, EDGE, type FunctionDefinition, index, LOOKUPS_WRITE, objects, table, WEBHOOK_SEND } from './function-definition';

/**
 * The function table's entries for deleting an account (docs/account-deletion.md): the route
 * that confirms and starts it, and the job that does it. Part of `FUNCTIONS`
 * (functions/function-table.ts) like any other entry.
 */
export const DELETION_FUNCTIONS = {
  // The password is checked with the app client's sign-in (no grant); the keys are revoked
  // before the answer (byKeyId: a key record is revoked by its id) and the stage's authorizer
  // cache flushed (keys and sessions stop at once), then the request object starts the job.
  DeleteAccount: {
    file: 'delete-account',
    description: 'DELETE /api/account (and GET /api/account/deletion)',
    ...API_FUNCTION,
    // Deletions are rare (and the console's polls of their state few): unreserved, so the total
    // stays at most 500 (docs/quotas.md).
    reservedConcurrency: 'unreserved',
    settings: 'none',
    grants: [
      table('keys', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem'),
      index('keys', KEYS_TABLE_SCHEMA.byKeyIdIndex.name),
      { kind: 'api-keys', lifecycle: 'flush' },
      objects([DELETION_REQUEST_PREFIX], 's3:PutObject'),
      { kind: 'users', actions: [] },
    ],
  },
  // One run does a bounded number of pages from the stored step, then writes the request again
  // (which runs the next). Each image goes through the normal removal path: its object's removal
  // runs PurgeImage (deny-list, variants), then its lookups and record.
  EraseAccount: {
    file: 'erase-account',
    description: 'Deletes an account, step by step (S3 ObjectCreated on deletion-requests/)',
    trigger: {
      type: 's3',
      events: ['ObjectCreated:Put'],
      prefix: DELETION_REQUEST_PREFIX,
      onFailure: { retryAttempts: 2, deadLetterQueueId: 'EraseDeadLetters' },
    },
    timeoutSeconds: 300,
    memoryMb: 1024,
    // One at a time: deletions are rare, and S3 keeps waiting events (up to 6 h) for the next run.
    reservedConcurrency: 1,
    settings: 'none',
    grants: [
      // The account record: the position (UpdateItem), the tombstone (PutItem); the key records
      // revoked (UpdateItem), read (BatchGetItem) and deleted with the signing item (BatchWriteItem);
      // the meter read (GetItem), deleted (DeleteItem) and counted off (UpdateItem).
      table('keys', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'),
      index('keys', KEYS_TABLE_SCHEMA.byKeyIdIndex.name),
      table('images', 'dynamodb:GetItem', 'dynamodb:DeleteItem'),
      index('images', IMAGES_TABLE_SCHEMA.byAccountIndex.name),
      // The totals the record deletes move (UpdateItem), the account's counters (BatchWriteItem),
      // and the Idempotency-Key records found by their index (Query) and deleted (BatchWriteItem).
      table('counters', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'),
      index('counters', COUNTERS_TABLE_SCHEMA.byIdempotencyAccountIndex.name),
      LOOKUPS_WRITE,
      table('exports', 'dynamodb:Query', 'dynamodb:BatchWriteItem'),
      objects([DIRECT_PREFIX, EXPORT_PREFIX, EXPORT_REQUEST_PREFIX], 's3:DeleteObject'),
      objects([LARGE_UPLOAD_PREFIX], 's3:DeleteObject', 's3:AbortMultipartUpload'),
      objects([DELETION_REQUEST_PREFIX], 's3:PutObject', 's3:DeleteObject'),
      { kind: 'list', prefixes: [EXPORT_PREFIX, EXPORT_REQUEST_PREFIX] },
      EDGE,
      // The account's meter's API Gateway key (and any key from before meters).
      { kind: 'api-keys', lifecycle: 'delete' },
      { kind: 'users', actions: ['cognito-idp:AdminDeleteUser'] },
      // The webhooks step: the owners left (byOwner) announced (GetItem, PutItem, DeleteItem: the
      // fan-out's reads and writes, Query: the endpoints; the first attempts queued), the
      // deliveries still tried (byPending), then the account's items removed (BatchWriteItem).
      table('webhooks', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'),
      index('webhooks', WEBHOOKS_TABLE_SCHEMA.ownerIndex.name),
      index('webhooks', WEBHOOKS_TABLE_SCHEMA.pendingIndex.name),
      WEBHOOK_SEND,
    ],
  },
} as const satisfies Readonly<Record<string, FunctionDefinition>>;
