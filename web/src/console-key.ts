import { ApiError, type ImagerApi } from './api';
import type { Claims } from './auth';

/**
 * The console browses images with an API key of its own ("Web console"), because image routes
 * take API keys (docs/api.md); it is created on first need, kept in this browser, counted among the
 * account's keys, and revoked on sign-out.
 */
function storageKey(user: Claims): string {
  return `imager.consoleKey.${user.sub}`;
}

async function consoleKey(api: ImagerApi, user: Claims, renew = false): Promise<string> {
  const stored = localStorage.getItem(storageKey(user));
  if (stored && !renew) return (JSON.parse(stored) as { key: string }).key;
  const created = await api.createKey('Web console');
  localStorage.setItem(storageKey(user), JSON.stringify({ id: created.id, key: created.key }));
  return created.key;
}

/** Runs an image call with the console's key, renewing the key once if it was revoked. */
export async function withKey<T>(api: ImagerApi, user: Claims, call: (key: string) => Promise<T>): Promise<T> {
  try {
    return await call(await consoleKey(api, user));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    return call(await consoleKey(api, user, true));
  }
}

/** Revokes the console's key of this browser (best effort: signing out goes on regardless) and forgets it. */
export async function forgetConsoleKey(api: ImagerApi, user: Claims): Promise<void> {
  const stored = localStorage.getItem(storageKey(user));
  if (!stored) return;
  await api.revokeKey((JSON.parse(stored) as { id: string }).id).catch(() => undefined);
  localStorage.removeItem(storageKey(user));
}
