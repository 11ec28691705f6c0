import { ApiError, type ImagerApi } from './api';
import type { Claims } from './auth';

/**
 * Consoles before this one browsed images with an API key of their own ("Web console"), kept in
 * this browser's localStorage under `imager.consoleKey.<sub>` and counted among the account's
 * keys. The console now uses its session on the image routes (docs/accounts-and-console.md), so a
 * key such a console left in this browser is revoked once, at sign-in, and forgotten. True when
 * one was revoked (the key list changed).
 */
export async function revokeLegacyConsoleKey(api: ImagerApi, user: Claims): Promise<boolean> {
  const entry = `imager.consoleKey.${user.sub}`;
  const stored = localStorage.getItem(entry);
  if (stored === null) return false;
  let id: unknown;
  try {
    id = (JSON.parse(stored) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  if (typeof id === 'string') {
    try {
      await api.revokeKey(id);
    } catch (error) {
      // Already gone (404) is done; anything else is tried again at the next sign-in.
      if (!(error instanceof ApiError) || error.status !== 404) return false;
    }
  }
  localStorage.removeItem(entry);
  return typeof id === 'string';
}
