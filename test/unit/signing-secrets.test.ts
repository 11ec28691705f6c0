import { describe, expect, it } from 'vitest';
import { secretKey } from '../../functions/core/edge-entries';
import { parseAccessChange } from '../../functions/core/image-options';
import { privateUrlSigner } from '../../functions/core/private-urls';
import {
  createSigningSecret,
  MAX_SIGNING_SECRETS,
  revokeSigningSecret,
  SigningSecretNotFoundError,
  type SigningSecretStore,
  type StoredSigningSecret,
} from '../../functions/core/signing-secrets';
import { signatureMatches } from '../../functions/core/url-signing';
import { MemoryEdgeStore } from '../support/edge-fakes';

/** The keys table's signing item in memory, with the version check DynamoSigningSecrets makes; `race` makes the next replace lose once. */
class MemorySecrets implements SigningSecretStore {
  readonly accounts = new Map<string, { secrets: StoredSigningSecret[]; version: number }>();
  race = false;
  async list(accountId: string) {
    const stored = this.accounts.get(accountId);
    return stored ? { secrets: [...stored.secrets], version: stored.version } : { secrets: [], version: 0 };
  }
  async replace(accountId: string, secrets: readonly StoredSigningSecret[], version: number) {
    const current = this.accounts.get(accountId)?.version ?? 0;
    if (this.race) {
      this.race = false;
      this.accounts.set(accountId, { secrets: this.accounts.get(accountId)?.secrets ?? [], version: current + 1 });
      return false;
    }
    if (current !== version) return false;
    this.accounts.set(accountId, { secrets: [...secrets], version: version + 1 });
    return true;
  }
}

const ACCOUNT = 'acct_signing';

describe('signing secrets (docs/edge.md)', () => {
  it('a new secret is at the edge before it is stored (and handed out); two at most, the third retires the oldest', async () => {
    const secrets = new MemorySecrets();
    const edge = new MemoryEdgeStore();
    const order: string[] = [];
    const deps = {
      secrets: { list: secrets.list.bind(secrets), replace: async (...args: Parameters<MemorySecrets['replace']>) => (order.push('store'), secrets.replace(...args)) },
      edge: { update: async (changes: Parameters<MemoryEdgeStore['update']>[0]) => (order.push(changes.puts ? 'edge put' : 'edge delete'), edge.update(changes)) },
    };
    const first = await createSigningSecret(deps, ACCOUNT);
    expect(order).toEqual(['edge put', 'store']);
    expect(first.created.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(edge.get(secretKey(first.created.kid))).toBe(`${ACCOUNT}|${first.created.secret}`);
    const second = await createSigningSecret(deps, ACCOUNT);
    expect(second.retired).toEqual([]);
    const third = await createSigningSecret(deps, ACCOUNT);
    expect(third.retired.map((s) => s.kid)).toEqual([first.created.kid]);
    expect((await secrets.list(ACCOUNT)).secrets.map((s) => s.kid)).toEqual([third.created.kid, second.created.kid]);
    expect(MAX_SIGNING_SECRETS).toBe(2);
    expect(edge.get(secretKey(first.created.kid))).toBeUndefined();
    expect(edge.get(secretKey(second.created.kid))).toBeDefined();
  });

  it('a create that loses a race removes its unpublished secret from the edge and tries again', async () => {
    const secrets = new MemorySecrets();
    const edge = new MemoryEdgeStore();
    secrets.race = true;
    const { created } = await createSigningSecret({ secrets, edge }, ACCOUNT);
    expect([...edge.entries.keys()]).toEqual([secretKey(created.kid)]);
    expect((await secrets.list(ACCOUNT)).secrets.map((s) => s.kid)).toEqual([created.kid]);
  });

  it('revoke takes it off the edge and the account; an unknown kid is 404', async () => {
    const secrets = new MemorySecrets();
    const edge = new MemoryEdgeStore();
    const { created } = await createSigningSecret({ secrets, edge }, ACCOUNT);
    await revokeSigningSecret({ secrets, edge }, ACCOUNT, created.kid);
    expect(edge.entries.size).toBe(0);
    expect((await secrets.list(ACCOUNT)).secrets).toEqual([]);
    await expect(revokeSigningSecret({ secrets, edge }, ACCOUNT, created.kid)).rejects.toBeInstanceOf(SigningSecretNotFoundError);
  });

  it('private URLs are signed with the newest secret for the configured time; without edge access none is made', async () => {
    const secrets = new MemorySecrets();
    const edge = new MemoryEdgeStore();
    const now = Date.UTC(2026, 10, 26);
    expect(await privateUrlSigner({ secrets, privateUrlSeconds: 60 }, ACCOUNT, [{ visibility: 'private' }], now)).toBeUndefined();
    expect(await privateUrlSigner({ secrets, edge, privateUrlSeconds: 60 }, ACCOUNT, [{}], now)).toBeUndefined();
    const sign = await privateUrlSigner({ secrets, edge, privateUrlSeconds: 60 }, ACCOUNT, [{ visibility: 'private' }], now);
    const url = new URL(sign!(`https://img.example.com/image/AbCdEfGhIjKlMnOpQrStUv`));
    const [newest] = (await secrets.list(ACCOUNT)).secrets;
    expect(url.searchParams.get('kid')).toBe(newest!.kid);
    expect(Number(url.searchParams.get('exp'))).toBe(now / 1000 + 60);
    const params = Object.fromEntries([...url.searchParams].filter(([name]) => name !== 'sig'));
    expect(signatureMatches(newest!.secret, url.pathname, params, url.searchParams.get('sig')!)).toBe(true);
  });
});

describe('visibility and expiry options (core/image-options.ts)', () => {
  const NOW = Date.UTC(2026, 10, 26, 12, 0, 0, 500);
  it('reads text fields and JSON values alike, rounding expiry up to a whole second', () => {
    expect(parseAccessChange({ visibility: 'private', expires_in: '60' }, NOW, { fromText: true })).toEqual({ visibility: 'private', imageExpiresAt: Math.ceil(NOW / 1000) + 60 });
    expect(parseAccessChange({ expires_in: 60 }, NOW)).toEqual({ imageExpiresAt: Math.ceil(NOW / 1000) + 60 });
    expect(parseAccessChange({ expires_at: '2026-11-27T00:00:00.250Z' }, NOW)).toEqual({ imageExpiresAt: Date.UTC(2026, 10, 27) / 1000 + 1 });
    expect(parseAccessChange({ expires_at: null }, NOW, { allowClear: true })).toEqual({ imageExpiresAt: null });
    expect(parseAccessChange({}, NOW)).toEqual({});
  });
  it.each([
    [{ visibility: 'hidden' }, {}],
    [{ expires_in: '60' }, {}],
    [{ expires_in: 0 }, {}],
    [{ expires_in: 1.5 }, {}],
    [{ expires_in: 315_360_001 }, {}],
    [{ expires_at: '2026-11-26' }, {}],
    [{ expires_at: '2026-11-26T11:00:00Z' }, {}],
    [{ expires_at: '2040-01-01T00:00:00Z' }, {}],
    [{ expires_at: null }, {}],
    [{ expires_at: '2027-01-01T00:00:00Z', expires_in: 5 }, {}],
  ])('refuses %j with a 400', (input, options) => {
    expect(() => parseAccessChange(input, NOW, options)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
