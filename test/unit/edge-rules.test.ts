import { statSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GONE, imageEntryValue, secretKey, secretValue } from '../../functions/core/edge-entries';
import { decideAtEdge, type EdgeVerdict, UNSIGNED_DEFAULTS, type UnsignedSet } from '../../functions/core/edge-rules';
import { pairsFromSearch } from '../../functions/core/transform-params';
import { signature, signUrl } from '../../functions/core/url-signing';
import { signImageUrl } from '../../client/index';
import { edgeFunctionCode, edgeFunctionPath, MAX_FUNCTION_BYTES } from '../../lib/edge/function-code';
import { requestFunction, viewerRequestEvent } from '../support/cloudfront';
import { acceptHeader } from '../support/transform-queries';

/**
 * The edge rules (docs/edge.md) twice: the viewer-request CloudFront Function as deployed
 * (lib/edge/viewer-request.js, run as CloudFront runs it) and the TypeScript decider
 * (functions/core/edge-rules.ts). Generated requests (signed right, signed wrong, tampered,
 * expired, unsigned inside and outside the unsigned set) against generated stores (gone, private
 * to one account or another, expiring before or after now) must get the same verdict from both.
 */
const ID = 'AbCdEfGhIjKlMnOpQrStUv';
const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
const NOW_S = NOW / 1000;
const KEYS = {
  k1: { accountId: 'acct_one', secret: 'secret-of-account-one-0123456789abcdefghijk' },
  k2: { accountId: 'acct_two', secret: 'secret-of-account-two-0123456789abcdefghijk' },
} as const;
const SECRETS = Object.fromEntries(Object.entries(KEYS).map(([kid, { accountId, secret }]) => [secretKey(kid), secretValue(accountId, secret)]));

type Verdict = { status: number; message: string } | { uri: string; vary: boolean };

/** The store the loaded function reads: each call sets it (loading the function once per unsigned set keeps the properties fast). */
let current: Record<string, string> = {};
const loaded = new Map<string, ReturnType<typeof requestFunction>>();
function functionFor(unsigned?: UnsignedSet) {
  const name = JSON.stringify(unsigned ?? null);
  let handler = loaded.get(name);
  if (!handler) loaded.set(name, (handler = requestFunction({ store: (key) => (Object.hasOwn(current, key) ? current[key] : undefined), now: () => NOW, unsigned })));
  return handler;
}

async function viaFunction(search: string, store: Record<string, string>, accept: string | undefined, unsigned?: UnsignedSet): Promise<Verdict> {
  current = store;
  const result = (await functionFor(unsigned)(viewerRequestEvent(`/image/${ID}`, search, accept))) as any;
  if ('statusCode' in result) {
    expect(result.headers['content-type'].value).toBe('application/json; charset=utf-8');
    expect(result.headers['cache-control'].value).toBe('no-store');
    const body = JSON.parse(result.body.data) as { status: string; message: string };
    expect(body.status).toBe('error');
    return { status: result.statusCode, message: body.message };
  }
  expect(result.querystring).toEqual({});
  return { uri: result.uri, vary: result.headers['x-imager-auto']?.value === '1' };
}

function viaCore(search: string, store: Record<string, string>, accept: string | undefined, unsigned?: UnsignedSet): Verdict {
  let pairs;
  try {
    pairs = pairsFromSearch(search);
  } catch {
    return { status: 400, message: 'Malformed query string' };
  }
  const verdict: EdgeVerdict = decideAtEdge({ path: `/image/${ID}`, pairs, accept }, (key) => (Object.hasOwn(store, key) ? store[key] : undefined), NOW, unsigned);
  return 'status' in verdict ? { status: verdict.status, message: verdict.message } : { uri: verdict.uri, vary: verdict.vary };
}

/** Transform parameters: in the unsigned set, outside it, or junk. */
const transformParams = fc.record(
  {
    w: fc.oneof(fc.constantFrom(64, 128, 256, 512, 1024, 2048), fc.integer({ min: 1, max: 4200 })).map(String),
    h: fc.oneof(fc.constantFrom(64, 256, 2048), fc.integer({ min: 1, max: 4200 })).map(String),
    fit: fc.constantFrom('inside', 'cover', 'contain', 'fill'),
    format: fc.constantFrom('jpeg', 'png', 'webp', 'avif', 'auto', 'gif'),
    q: fc.oneof(fc.integer({ min: 0, max: 101 }).map(String), fc.constant('x')),
  },
  { requiredKeys: [] },
);

/** How a request is signed. */
const signing = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({
    kind: fc.constant('signed' as const),
    kid: fc.constantFrom('k1', 'k2', 'k3'),
    exp: fc.option(fc.integer({ min: NOW_S - 100, max: NOW_S + 100 }), { nil: undefined }),
    tamper: fc.constantFrom('none', 'none', 'none', 'sig', 'param', 'drop-sig', 'drop-kid', 'bad-exp', 'short-sig'),
  }),
);

/** The image's entry in the store. */
const imageEntry = fc.oneof(
  fc.constant(undefined),
  fc.constant(GONE),
  fc.record({
    accountId: fc.constantFrom('acct_one', 'acct_two'),
    visibility: fc.constantFrom('public' as const, 'private' as const),
    expiresAt: fc.option(fc.integer({ min: NOW_S - 5, max: NOW_S + 5 }), { nil: undefined }),
  }).map((state) => imageEntryValue(state)),
  fc.constantFrom('junk', 'p|-|', 'p|0|acct_one', 'p|-|acct_one|x', ''),
);

function requestFor(params: Record<string, string>, how: fc.Arbitrary<unknown> extends never ? never : any): string {
  const query: Record<string, string> = { ...params };
  if (how.kind === 'signed') {
    query.kid = how.kid;
    if (how.exp !== undefined) query.exp = String(how.exp);
    const key = KEYS[how.kid as keyof typeof KEYS] ?? { secret: 'unknown-secret' };
    let sig = signature(key.secret, `/image/${ID}`, query);
    if (how.tamper === 'sig') sig = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    if (how.tamper === 'short-sig') sig = sig.slice(1);
    if (how.tamper === 'param') query.w = String(Number(query.w ?? '100') + 1);
    if (how.tamper === 'bad-exp') query.exp = '01';
    if (how.tamper !== 'drop-sig') query.sig = sig;
    if (how.tamper === 'drop-kid') delete query.kid;
  }
  return Object.entries(query)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join('&');
}

describe('the viewer-request function and functions/core/edge-rules.ts decide alike', () => {
  it('on generated requests, signatures and stores', async () => {
    await fc.assert(
      fc.asyncProperty(transformParams, signing, imageEntry, acceptHeader, async (params, how, entry, accept) => {
        const store: Record<string, string> = { ...SECRETS, ...(entry === undefined ? {} : { [ID]: entry }) };
        const search = requestFor(params, how);
        expect(await viaFunction(search, store, accept)).toEqual(viaCore(search, store, accept));
      }),
      { numRuns: 3000 },
    );
  });

  it('under any configured unsigned set', async () => {
    const unsignedSet = fc.record({
      sizes: fc.uniqueArray(fc.integer({ min: 1, max: 4096 }), { maxLength: 6 }),
      formats: fc.subarray(['jpeg', 'png', 'webp', 'avif', 'auto']),
    });
    const size = fc.integer({ min: 1, max: 300 }).map(String);
    const query = fc.record({ w: size, h: size, format: fc.constantFrom('jpeg', 'webp', 'auto') }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(unsignedSet, query, async (unsigned, params) => {
        const search = requestFor(params, { kind: 'none' });
        expect(await viaFunction(search, SECRETS, undefined, unsigned)).toEqual(viaCore(search, SECRETS, undefined, unsigned));
      }),
      { numRuns: 500 },
    );
  });
});

describe('edge verdicts (docs/edge.md)', () => {
  const store = (entry?: string) => ({ ...SECRETS, ...(entry === undefined ? {} : { [ID]: entry }) });
  const signed = (query: Record<string, string>, kid: 'k1' | 'k2' = 'k1') => requestFor(query, { kind: 'signed', kid, tamper: 'none', exp: query.exp ? Number(query.exp) : undefined });
  const both = async (search: string, entry?: string) => {
    const fromFunction = await viaFunction(search, store(entry), undefined);
    expect(viaCore(search, store(entry), undefined)).toEqual(fromFunction);
    return fromFunction;
  };
  const PRIVATE = imageEntryValue({ accountId: 'acct_one', visibility: 'private' });

  it('the unsigned set of docs/edge.md renders without a signature; anything else is 403 Signature required', async () => {
    for (const search of ['', 'w=64', 'h=2048', 'format=auto', 'w=512&format=webp', 'h=128&format=avif']) {
      expect(await both(search)).toHaveProperty('uri');
    }
    for (const search of ['w=65', 'w=300', 'w=64&h=64', 'w=64&fit=cover', 'q=80', 'w=64&q=50', 'h=4096']) {
      expect(await both(search)).toEqual({ status: 403, message: 'Signature required' });
    }
    expect(UNSIGNED_DEFAULTS.sizes).toEqual([64, 128, 256, 512, 1024, 2048]);
  });

  it('a signed transform renders; wrong, tampered, unknown kid or expired is 403 Invalid signature', async () => {
    expect(await both(signed({ w: '300', fit: 'cover', h: '100' }))).toEqual({ uri: `/variants/${ID}/w300-h100-cover-original-qauto`, vary: false });
    expect(await both(signed({ w: '300', exp: String(NOW_S + 1) }))).toHaveProperty('uri');
    const invalid = { status: 403, message: 'Invalid signature' };
    for (const tamper of ['sig', 'param', 'drop-sig', 'drop-kid', 'bad-exp', 'short-sig']) {
      expect(await both(requestFor({ w: '300' }, { kind: 'signed', kid: 'k1', tamper })), tamper).toEqual(invalid);
    }
    expect(await both(requestFor({ w: '300' }, { kind: 'signed', kid: 'k3', tamper: 'none' }))).toEqual(invalid);
    expect(await both(signed({ w: '300', exp: String(NOW_S - 1) }))).toEqual(invalid);
  });

  it('signature parameters are not part of the cache key: signed and unsigned ask for the same path', async () => {
    expect(await both('w=256&format=webp')).toEqual(await both(signed({ w: '256', format: 'webp' })));
    expect(await both('')).toEqual(await both(signed({})));
  });

  it('a private image: unsigned 404 (existence not revealed), signed by its account 200, by another account 404, expired signature 403', async () => {
    expect(await both('', PRIVATE)).toEqual({ status: 404, message: 'Image not found' });
    expect(await both('w=64', PRIVATE)).toEqual({ status: 404, message: 'Image not found' });
    expect(await both(signed({}), PRIVATE)).toEqual({ uri: `/images/${ID}`, vary: false });
    expect(await both(signed({}, 'k2'), PRIVATE)).toEqual({ status: 404, message: 'Image not found' });
    expect(await both(signed({ exp: String(NOW_S - 1) }), PRIVATE)).toEqual({ status: 403, message: 'Invalid signature' });
  });

  it('a gone image and an expired one are 404, signed or not; an expiring one answers until then', async () => {
    expect(await both('', GONE)).toEqual({ status: 404, message: 'Image not found' });
    expect(await both(signed({ w: '10' }), GONE)).toEqual({ status: 404, message: 'Image not found' });
    const expiring = (at: number) => imageEntryValue({ accountId: 'acct_one', visibility: 'public', expiresAt: at });
    expect(await both('', expiring(NOW_S))).toEqual({ status: 404, message: 'Image not found' });
    expect(await both('', expiring(NOW_S + 1))).toHaveProperty('uri');
  });
});

describe('one signer: the API, the typed client and the edge agree', () => {
  it('signUrl (functions/core) and signImageUrl (client/) make the same URL, and the edge accepts it', async () => {
    const params = fc.record({ w: fc.integer({ min: 1, max: 4096 }), fit: fc.constantFrom('cover', 'contain'), h: fc.integer({ min: 1, max: 4096 }), q: fc.integer({ min: 1, max: 100 }) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(params, fc.option(fc.integer({ min: NOW_S, max: NOW_S + 10_000 }), { nil: undefined }), async (query, exp) => {
        const base = `https://img.example.com/image/${ID}`;
        const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
        const url = `${base}${search ? `?${search}` : ''}`;
        const fromCore = signUrl(url, { kid: 'k1', secret: KEYS.k1.secret }, exp);
        const fromClient = await signImageUrl(url, { kid: 'k1', secret: KEYS.k1.secret, ...(exp === undefined ? {} : { expiresAt: exp }) });
        expect(fromClient).toBe(fromCore);
        const verdict = await viaFunction(new URL(fromCore).search, store(), undefined);
        expect(verdict).toHaveProperty('uri');
      }),
      { numRuns: 300 },
    );
    function store() {
      return SECRETS;
    }
  });
});

describe('the edge function files stay within CloudFront Functions limits', () => {
  it.each(['viewer-request.js', 'viewer-response.js'] as const)('%s is at most 10 KB as deployed, imports only cloudfront and crypto, and uses no Node API', (file) => {
    const code = edgeFunctionCode(file, { sizes: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096], formats: ['jpeg', 'png', 'webp', 'avif', 'auto'] });
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(MAX_FUNCTION_BYTES);
    expect(statSync(edgeFunctionPath(file)).size).toBeLessThanOrEqual(MAX_FUNCTION_BYTES);
    const imports = [...code.matchAll(/^import (\w+) from '([^']+)';$/gm)].map((m) => m[2]);
    expect(imports.every((name) => name === 'cloudfront' || name === 'crypto')).toBe(true);
    const body = code.replace(/^import .*$/gm, '');
    expect(body).not.toMatch(/\b(require|import|export|module\.exports|process|Buffer|setTimeout)\b/);
  });
});
