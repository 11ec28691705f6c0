import type { ImageRecord, UrlSigner } from './images';
import { type SigningSecretDeps, signingKeyFor } from './signing-secrets';
import { signUrl } from './url-signing';

/** What signs the API's URLs of private images (docs/edge.md): the account's newest secret, for a configured time. */
export interface PrivateUrlDeps extends SigningSecretDeps {
  /** IMAGER_PRIVATE_URL_SECONDS. */
  readonly privateUrlSeconds: number;
}

/**
 * The signer for `records` of `accountId`, or undefined when none is private (no secret is read
 * then). The URLs expire `privateUrlSeconds` from now.
 */
export async function privateUrlSigner(deps: PrivateUrlDeps, accountId: string, records: readonly Pick<ImageRecord, 'visibility'>[], nowMs: number): Promise<UrlSigner | undefined> {
  if (!records.some((record) => record.visibility === 'private')) return undefined;
  const key = await signingKeyFor(deps, accountId);
  const expiresAt = Math.floor(nowMs / 1000) + deps.privateUrlSeconds;
  return (url) => signUrl(url, key, expiresAt);
}
