import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed public URLs (docs/edge.md, "Signing a URL"): `sig` is the base64url (no padding)
 * HMAC-SHA256, under the account's secret named by `kid`, of `<path>?<canonical>`, where
 * `<canonical>` is every other parameter (`kid` and `exp` included) as `name=value`, sorted by
 * name and joined by `&`. The viewer-request function checks the same string; the typed client's
 * `signImageUrl` (client/index.ts) makes it with WebCrypto.
 */

/** The query parameters that carry a signature; they are never part of a transform or the cache key. */
export const SIGNATURE_PARAMETERS = ['sig', 'kid', 'exp'] as const;

/** What a `kid` may look like (it travels in URLs and names a key of the edge's store). */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;
/** A signature: 32 bytes of HMAC-SHA256 in base64url without padding. */
export const SIG_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** `exp`: unix seconds, no sign, no leading zero. */
export const EXP_PATTERN = /^[1-9][0-9]{0,11}$/;

/** The string that is signed: `<path>?<name=value&...>`, names sorted, `sig` left out. */
export function signingString(path: string, params: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `${name}=${params[name]}`);
  return `${path}?${pairs.join('&')}`;
}

/** The signature of `path` with `params` (which must hold `kid`, and may hold `exp`) under `secret`. */
export function signature(secret: string, path: string, params: Readonly<Record<string, string>>): string {
  return createHmac('sha256', secret).update(signingString(path, params)).digest('base64url');
}

/** True when `given` is the signature of `path` and `params` under `secret` (compared in constant time). */
export function signatureMatches(secret: string, path: string, params: Readonly<Record<string, string>>, given: string): boolean {
  const expected = Buffer.from(signature(secret, path, params));
  const actual = Buffer.from(given);
  return expected.byteLength === actual.byteLength && timingSafeEqual(expected, actual);
}

/** A signing key as the API holds it. */
export interface SigningKey {
  readonly kid: string;
  readonly secret: string;
}

/**
 * `url` (an image's public URL, possibly with transform parameters) with `kid`, `exp` (when
 * given, unix seconds) and `sig` added. Existing `sig`, `kid` and `exp` are replaced.
 */
export function signUrl(url: string, key: SigningKey, expiresAt?: number): string {
  const parsed = new URL(url);
  const params: Record<string, string> = {};
  for (const [name, value] of parsed.searchParams) {
    if (!(SIGNATURE_PARAMETERS as readonly string[]).includes(name)) params[name] = value;
  }
  params.kid = key.kid;
  if (expiresAt !== undefined) params.exp = String(expiresAt);
  // The edge sees the path CloudFront received, `/image/<id>`, whatever is in front of it.
  const at = parsed.pathname.lastIndexOf('/image/');
  params.sig = signature(key.secret, at < 0 ? parsed.pathname : parsed.pathname.slice(at), params);
  const query = Object.keys(params)
    .sort()
    .map((name) => `${name}=${encodeURIComponent(params[name])}`)
    .join('&');
  return `${parsed.origin}${parsed.pathname}?${query}`;
}

/** A new signing secret: 256 random bits, base64url (43 characters). */
export function generateSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new key id: short (it travels in every signed URL), random, and never `dev` (local mode's seeded one). */
export function generateKid(): string {
  return `k${randomBytes(6).toString('base64url')}`;
}
