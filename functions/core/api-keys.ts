import { createHash, randomBytes } from 'node:crypto';

/** Every key we issue starts with this, so leaked keys are easy to recognise and scan for. */
export const KEY_PREFIX = 'imgr_';

/** The shape API Gateway accepts as an API key value, and what a bearer token may be. */
export const KEY_PATTERN = /^[A-Za-z0-9_-]{20,128}$/;

/** A new secret key: the prefix and 256 random bits. Shown once, stored only as its hash. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** A short public identifier for a key, used to list and revoke it. */
export function generateKeyId(): string {
  return 'key_' + randomBytes(9).toString('base64url');
}

export function generateAccountId(): string {
  return 'acct_' + randomBytes(12).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The key in `Authorization: Bearer <key>`, or undefined when the header is anything else. */
export function parseBearer(header: string | undefined | null): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!match) return undefined;
  return KEY_PATTERN.test(match[1]) ? match[1] : undefined;
}
