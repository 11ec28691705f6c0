import type { EdgeStore } from './edge-entries';

/**
 * How entries leave the edge's store (docs/edge.md, "How entries leave"). A removed image's
 * `x` entry must stay until every copy CloudFront cached before the removal has aged out (the
 * edge TTL); after that the bucket answers 404 by itself and the entry only takes room. So every
 * entry that will no longer be needed is written into an hourly bucket of the schedule, and the
 * sweep (every 15 minutes) removes the keys of every bucket whose hour has come.
 */

export const HOUR_MS = 3_600_000;

/** At most this many hourly buckets per run (after a long outage the next runs continue). */
export const RELEASE_HOURS_PER_RUN = 48;

/** Port: keys to remove from the edge's store, by the hour from which they may go (unix hours). */
export interface EdgeReleaseSchedule {
  add(hour: number, keys: readonly string[]): Promise<void>;
  /** The keys of `hour` (empty when none were scheduled). */
  keysOf(hour: number): Promise<string[]>;
  /** Forgets `hour` once its keys are gone. */
  clear(hour: number): Promise<void>;
  /** The last hour fully released (undefined before the first run). */
  lastReleased(): Promise<number | undefined>;
  setLastReleased(hour: number): Promise<void>;
}

/** The hour from which an entry written now can go: the first hour that starts after now + the edge TTL. */
export function releaseHour(nowMs: number, edgeTtlSeconds: number): number {
  return Math.floor((nowMs + edgeTtlSeconds * 1000) / HOUR_MS) + 1;
}

export interface ReleaseDeps {
  readonly edge: EdgeStore;
  readonly releases: EdgeReleaseSchedule;
}

/**
 * Removes from the store the keys of every scheduled hour up to the current one, oldest first,
 * and records how far it got after each hour (so a run cut short loses nothing). Returns how many
 * keys were released.
 */
export async function releaseDueEntries(deps: ReleaseDeps, nowMs: number, edgeTtlSeconds: number): Promise<number> {
  const current = Math.floor(nowMs / HOUR_MS);
  // First run: nothing can be due before the oldest hour an entry of now could have been given.
  let hour = ((await deps.releases.lastReleased()) ?? current - Math.ceil(edgeTtlSeconds / 3600) - 2) + 1;
  let released = 0;
  for (let runs = 0; hour <= current && runs < RELEASE_HOURS_PER_RUN; hour += 1, runs += 1) {
    const keys = await deps.releases.keysOf(hour);
    if (keys.length > 0) {
      await deps.edge.update({ deletes: keys });
      await deps.releases.clear(hour);
      released += keys.length;
    }
    await deps.releases.setLastReleased(hour);
  }
  return released;
}
