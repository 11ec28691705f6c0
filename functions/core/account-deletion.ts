import type { SessionUser, UserAccount } from './accounts';
import { BadRequestError, HttpError } from './errors';
import { DELETION_STEPS, type ErasureDeps } from './account-erasure-steps';

/**
 * Deleting an account (docs/account-deletion.md): the request, its state and the resumable job.
 * The job is an ordered list of steps (`DELETION_STEPS`, core/account-erasure-steps.ts); the
 * account record holds the name of the step under way, moved forward only once that step has
 * nothing left to do, so a run killed anywhere starts again from a step whose work is idempotent.
 */

/** The request objects whose creation starts (and, rewritten, continues) the job: `deletion-requests/<sub>`. */
export const DELETION_REQUEST_PREFIX = 'deletion-requests/';

export function deletionRequestKey(sub: string): string {
  return `${DELETION_REQUEST_PREFIX}${sub}`;
}

/** How long the tombstone of a deleted account is kept: longer than any ID token it issued lives (1 h). */
export const TOMBSTONE_SECONDS = 24 * 3600;

export type DeletionState = 'deleting' | 'deleted';

/** Where a deletion stands. */
export interface AccountDeletion {
  readonly state: DeletionState;
  /** The step under way (`deleting`); absent once deleted. */
  readonly step?: string;
  readonly startedAt?: string;
  /** When the position moved to `step` (a step that waits measures from it). */
  readonly stepStartedAt?: string;
  readonly deletedAt?: string;
}

/** What the account record holds for one Cognito user: the account, its deletion, or only a tombstone. */
export interface AccountEntry {
  readonly account?: UserAccount;
  readonly deletion?: AccountDeletion;
}

/** Port: the deletion's state and position, kept on the account record (adapters/dynamo-account-deletion.ts). */
export interface DeletionStore {
  find(sub: string): Promise<AccountEntry | undefined>;
  /** Marks the account deleting at `firstStep` unless it already is; answers the entry as it is now. */
  begin(sub: string, firstStep: string, now: Date): Promise<AccountEntry | undefined>;
  /** Moves the position from `from` to `to` at `now`; false when it was not at `from` (another run moved it). */
  advance(sub: string, from: string, to: string, now: Date): Promise<boolean>;
  /** Replaces the account record with its tombstone (state `deleted`, expiring at `expiresAt` unix seconds). */
  finish(sub: string, now: Date, expiresAt: number): Promise<void>;
}

/** Port: the request object that runs the job (its creation is the job's trigger). */
export interface DeletionRequests {
  write(sub: string): Promise<void>;
  remove(sub: string): Promise<void>;
}

/** Port: the account's Cognito user. */
export interface AccountUsers {
  /** True when `password` is the user's password (checked with the pool's sign-in). */
  checkPassword(username: string, password: string): Promise<boolean>;
  /** Deletes the user; a user already gone is no error. */
  delete(username: string): Promise<void>;
}

export class WrongPasswordError extends HttpError {
  constructor() {
    super(403, 'Password is incorrect');
  }
}

export const DELETION_BODY = {
  notJson: 'Request body must be JSON: {"password": "..."}',
  notObject: 'Request body must be a JSON object: {"password": "..."}',
} as const;

/** The body of `DELETE /api/account`: `{"password": "..."}`, nothing else. */
export function parsePasswordConfirmation(body: Readonly<Record<string, unknown>>): string {
  const extra = Object.keys(body).filter((field) => field !== 'password');
  if (extra.length > 0) throw new BadRequestError(`Unknown field: ${extra[0]}`);
  const password = body.password;
  if (typeof password !== 'string' || password.length === 0) throw new BadRequestError('password must be a non-empty string');
  if (password.length > 256) throw new BadRequestError('password must be at most 256 characters');
  return password;
}

export interface StartDeletionDeps {
  readonly store: DeletionStore;
  readonly requests: DeletionRequests;
  readonly users: Pick<AccountUsers, 'checkPassword'>;
  /**
   * Stops the account's keys and sessions at once, before the answer: its key records revoked
   * (the job's first step, run here too) and, on AWS, the stage's authorizer cache flushed.
   */
  readonly stopAccess: (account: UserAccount) => Promise<void>;
}

/**
 * `DELETE /api/account`: checks the password, marks the account deleting (from then on its
 * session routes answer 410 and the authorizer refuses its sessions on the image routes), revokes
 * its keys and flushes the authorizer cache before answering (so both stop at once), and
 * writes the request object that runs the job. Asked again, it writes the request again, which
 * resumes a job that stopped; a deleted account answers its tombstone without a password (its
 * Cognito user, and so its password, are gone).
 */
export async function startAccountDeletion(deps: StartDeletionDeps, user: SessionUser, password: string, now: Date): Promise<AccountDeletion> {
  const entry = await deps.store.find(user.sub);
  if (entry?.deletion?.state === 'deleted') return entry.deletion;
  if (!(await deps.users.checkPassword(user.email, password))) throw new WrongPasswordError();
  const begun = await deps.store.begin(user.sub, DELETION_STEPS[0].name, now);
  if (!begun?.deletion) return { state: 'deleted', deletedAt: now.toISOString() };
  if (begun.deletion.state === 'deleting' && begun.deletion.step === DELETION_STEPS[0].name && begun.account) {
    await deps.stopAccess(begun.account);
  }
  await deps.requests.write(user.sub);
  return begun.deletion;
}

/** `GET /api/account/deletion`: where the deletion stands; `none` when the account is not being deleted. */
export async function deletionStatus(store: Pick<DeletionStore, 'find'>, sub: string): Promise<AccountDeletion | { readonly state: 'none' }> {
  return (await store.find(sub))?.deletion ?? { state: 'none' };
}

/** The API shape of a deletion (docs/api.md). */
export function toApiDeletion(deletion: AccountDeletion | { readonly state: 'none' }): Record<string, unknown> {
  const body: Record<string, unknown> = { state: deletion.state };
  if (deletion.state === 'none') return body;
  const { step, startedAt, deletedAt } = deletion as AccountDeletion;
  const index = step === undefined ? DELETION_STEPS.length : DELETION_STEPS.findIndex((known) => known.name === step);
  body.step = step ?? null;
  body.steps_done = Math.max(0, index);
  body.steps_total = DELETION_STEPS.length;
  if (startedAt) body.started_at = startedAt;
  if (deletedAt) body.deleted_at = deletedAt;
  return body;
}

/** How much one invocation of the job may do before handing on to the next. */
export interface DeletionBudget {
  /** Pages of work (a page: up to ERASE_PAGE images, or one step's lighter work). */
  readonly pages: number;
  /** Milliseconds left in the invocation (Lambda's context); unset locally. */
  readonly timeLeftMs?: () => number;
  /** Stop when less than this is left. */
  readonly reserveMs?: number;
}

export interface RunDeletionDeps extends ErasureDeps {
  readonly store: DeletionStore;
  readonly requests: DeletionRequests;
  readonly now?: () => Date;
}

/** What one run did: finished the account, handed on to another run, or found nothing to delete. */
export type RunOutcome = 'deleted' | 'continued' | 'nothing';

/**
 * One invocation of the job: from the stored step, runs pages of work until the budget is used,
 * then writes the request object again (a new invocation continues) and returns. Each step's
 * page is idempotent and the position moves only after a step reports nothing left, so a run
 * killed anywhere, or two runs at once, leave the same end state.
 */
export async function runAccountDeletion(deps: RunDeletionDeps, sub: string, budget: DeletionBudget): Promise<RunOutcome> {
  let pages = 0;
  for (;;) {
    const entry = await deps.store.find(sub);
    const deletion = entry?.deletion;
    if (!deletion || deletion.state === 'deleted' || !entry.account) {
      if (deletion?.state === 'deleted') await deps.requests.remove(sub);
      return deletion?.state === 'deleted' ? 'deleted' : 'nothing';
    }
    const index = DELETION_STEPS.findIndex((step) => step.name === deletion.step);
    // A position this code does not know (written by a newer version): start over, every step is idempotent.
    const step = DELETION_STEPS[Math.max(0, index)];
    const outcome = await step.run(deps, entry.account, deletion);
    pages += 1;
    if (outcome === 'done') {
      const next = DELETION_STEPS[Math.max(0, index) + 1];
      // From the position as stored (which may be one this code does not know).
      if (next) await deps.store.advance(sub, deletion.step ?? step.name, next.name, deps.now?.() ?? new Date());
      else {
        const now = deps.now?.() ?? new Date();
        await deps.store.finish(sub, now, Math.floor(now.getTime() / 1000) + TOMBSTONE_SECONDS);
        await deps.requests.remove(sub);
        return 'deleted';
      }
    }
    const outOfTime = budget.timeLeftMs !== undefined && budget.timeLeftMs() < (budget.reserveMs ?? 0);
    if (pages >= budget.pages || outOfTime) {
      await deps.requests.write(sub);
      return 'continued';
    }
  }
}
