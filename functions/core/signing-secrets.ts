import { type EdgeStore, secretKey, secretValue } from './edge-entries';
import { NotFoundError } from './errors';
import { generateKid, generateSigningSecret, type SigningKey } from './url-signing';

/**
 * An account's URL-signing secrets (docs/edge.md, "Signing secrets"): at most two at once, so a
 * new one can be rolled out while URLs signed with the previous one keep working. The newest
 * signs the API's own URLs of private images. Each lives in two places: the keys table (the API
 * signs with it) and the edge's store (`k.<kid>`, where the viewer-request function checks
 * signatures); the edge is written first, so a secret is never handed out before the edge knows it.
 */

/** Active secrets per account: the current one and the one before it. */
export const MAX_SIGNING_SECRETS = 2;

export interface StoredSigningSecret extends SigningKey {
  readonly createdAt: string;
}

/** Port: an account's secrets, newest first, replaced as a whole under optimistic concurrency. */
export interface SigningSecretStore {
  list(accountId: string): Promise<{ readonly secrets: readonly StoredSigningSecret[]; readonly version: number }>;
  /** Writes `secrets` if the stored version is still `version`; false when another write came first. */
  replace(accountId: string, secrets: readonly StoredSigningSecret[], version: number): Promise<boolean>;
}

export interface SigningSecretDeps {
  readonly secrets: SigningSecretStore;
  readonly edge: EdgeStore;
  readonly now?: () => Date;
}

/** A secret as the account API shows it; the value itself only in the answer that created it. */
export interface ApiSigningSecret {
  readonly kid: string;
  readonly created_at: string;
  readonly secret?: string;
}

export class SigningSecretNotFoundError extends NotFoundError {
  constructor() {
    super('Signing secret not found');
  }
}

export function toApiSigningSecret(secret: StoredSigningSecret, reveal = false): ApiSigningSecret {
  return { kid: secret.kid, created_at: secret.createdAt, ...(reveal ? { secret: secret.secret } : {}) };
}

const ATTEMPTS = 5;

/**
 * A new secret for the account; when it already has {@link MAX_SIGNING_SECRETS}, the oldest is
 * retired (rotation: the previous one stays valid until the next rotation or a revoke).
 */
export async function createSigningSecret(
  deps: SigningSecretDeps,
  accountId: string,
  fixed?: SigningKey,
): Promise<{ readonly created: StoredSigningSecret; readonly retired: readonly StoredSigningSecret[] }> {
  for (let attempt = 1; ; attempt += 1) {
    const { secrets, version } = await deps.secrets.list(accountId);
    const created: StoredSigningSecret = {
      kid: fixed?.kid ?? generateKid(),
      secret: fixed?.secret ?? generateSigningSecret(),
      createdAt: (deps.now?.() ?? new Date()).toISOString(),
    };
    const kept = secrets.filter((secret) => secret.kid !== created.kid);
    const next = [created, ...kept].slice(0, MAX_SIGNING_SECRETS);
    const retired = kept.slice(MAX_SIGNING_SECRETS - 1);
    await deps.edge.update({ puts: [{ key: secretKey(created.kid), value: secretValue(accountId, created.secret) }] });
    if (await deps.secrets.replace(accountId, next, version)) {
      if (retired.length > 0) await deps.edge.update({ deletes: retired.map((secret) => secretKey(secret.kid)) });
      return { created, retired };
    }
    // Another create or revoke came first: this secret was never handed out.
    await deps.edge.update({ deletes: [secretKey(created.kid)] });
    if (attempt >= ATTEMPTS) throw new Error('signing secrets kept changing; try again');
  }
}

/** Removes one secret: URLs signed with it answer 403 at the edge from then on. */
export async function revokeSigningSecret(deps: SigningSecretDeps, accountId: string, kid: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const { secrets, version } = await deps.secrets.list(accountId);
    if (!secrets.some((secret) => secret.kid === kid)) throw new SigningSecretNotFoundError();
    await deps.edge.update({ deletes: [secretKey(kid)] });
    if (await deps.secrets.replace(accountId, secrets.filter((secret) => secret.kid !== kid), version)) return;
    if (attempt >= ATTEMPTS) throw new Error('signing secrets kept changing; try again');
  }
}

/**
 * The secret the API signs the account's private URLs with (its newest), created when the account
 * has none yet, so a private image always has a working URL.
 */
export async function signingKeyFor(deps: SigningSecretDeps, accountId: string): Promise<SigningKey> {
  const { secrets } = await deps.secrets.list(accountId);
  const newest = secrets[0];
  if (newest) return newest;
  return (await createSigningSecret(deps, accountId)).created;
}
