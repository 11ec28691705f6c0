import type { Context, S3Event } from 'aws-lambda';
import { DELETION_REQUEST_PREFIX, type RunDeletionDeps, type RunOutcome, runAccountDeletion } from './core/account-deletion';
import { logger } from './runtime/logger';
import { accountDeletions, accountErasure, accountUsers, deletionRequests } from './runtime/deletion-wiring';
import { webhookQueue } from './runtime/webhook-wiring';
import { edgeStore } from './runtime/edge-wiring';
import { dynamoDB, imageObjects, imageRecordsWithTotals, keyStore, lookups, multipartUploads, s3, signingSecrets, usagePlanKeys, webhookStore } from './runtime/wiring';
import { s3ObjectEvents } from './transport/s3-event';

/** Pages one invocation does at most (each up to 25 images), and the time it keeps in hand. */
export const PAGES_PER_RUN = 20;
const RESERVE_MS = 60_000;

/**
 * S3 ObjectCreated on `deletion-requests/<sub>` -> the account's deletion, run from its stored
 * step (core/account-deletion.ts). A run that has used its budget writes the request again,
 * which starts the next; a failure is rethrown: Lambda retries the event twice, then it lands in
 * the dead-letter queue (and asking again, `DELETE /api/account`, resumes it).
 */
export function createEraseAccountHandler(deps: RunDeletionDeps, pages = PAGES_PER_RUN) {
  return async (event: S3Event, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<{ results: Record<string, RunOutcome | 'skipped'> }> => {
    const results: Record<string, RunOutcome | 'skipped'> = {};
    for (const { name, key } of s3ObjectEvents(event)) {
      const sub = key.slice(DELETION_REQUEST_PREFIX.length);
      if (!name.startsWith('ObjectCreated:') || !key.startsWith(DELETION_REQUEST_PREFIX) || !/^[A-Za-z0-9-]{1,128}$/.test(sub)) {
        results[key] = 'skipped';
        continue;
      }
      results[key] = await runAccountDeletion(deps, sub, {
        pages,
        ...(context ? { timeLeftMs: () => context.getRemainingTimeInMillis(), reserveMs: RESERVE_MS } : {}),
      });
      logger.info('account deletion run', { sub, outcome: results[key] });
    }
    return { results };
  };
}

const client = s3('background');
const dynamodb = dynamoDB('background');
const keys = keyStore(dynamodb);

export const handler = createEraseAccountHandler({
  store: accountDeletions(dynamodb),
  requests: deletionRequests(client),
  keys,
  meters: keys,
  usagePlan: usagePlanKeys(),
  records: imageRecordsWithTotals(dynamodb),
  objects: imageObjects(client),
  uploads: multipartUploads(client),
  lookups: lookups(dynamodb),
  secrets: signingSecrets(dynamodb),
  edge: edgeStore(process.env, 'background'),
  items: accountErasure(dynamodb),
  users: accountUsers('background'),
  webhooks: { store: webhookStore(dynamodb), queue: webhookQueue('background') },
});
