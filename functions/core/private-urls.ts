import type { ImageRecord, UrlSigner } from './images';
import type { EdgeStore } from './edge-entries';
import { type SigningSecretStore, signingKeyFor } from './signing-secrets';
import { signUrl } from './url-signing';

/** What signs the API's URLs of private images (docs/edge.md): the account's newest secret, for a configured time. */
export interface PrivateUrlDeps {
  readonly secrets: SigningSecretStore;
  /** Where a first secret is entered when the account has none; without it (the read routes) such a URL stays unsigned. */
  readonly edge?: EdgeStore;
  /** IMAGER_PRIVATE_URL_SECONDS. */
  readonly privateUrlSeconds: number;
}

/**
 * The signer for `records` of `accountId`, or undefined when none is private (no secret is read
 * then). The URLs expire `privateUrlSeconds` from now.
 */
export async function privateUrlSigner(deps: PrivateUrlDeps, accountId: string, records: readonly Pick<ImageRecord, 'visibility'>[], nowMs: number): Promise<UrlSigner | undefined> {
  if (!records.some((record) => record.visibility === 'private')) return undefined;
  const key = deps.edge ? await signingKeyFor({ secrets: deps.secrets, edge: deps.edge }, accountId) : (await deps.secrets.list(accountId)).secrets[0];
  if (!key) return undefined;
  const expiresAt = Math.floor(nowMs / 1000) + deps.privateUrlSeconds;
  return (url) => signUrl(url, key, expiresAt);
}
