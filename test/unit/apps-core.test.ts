import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnalysisPixels, analyzeImage, type AnalyzeDeps, hexColor, type ImageAnalysis, PHASH_SIDE, perceptualHash } from '../../functions/core/analysis';
import { parseOnDuplicate } from '../../functions/core/duplicates';
import { UntransformableImageError } from '../../functions/core/errors';
import { type LookupEntry, lookupsOf, metadataLookupChanges, PHASH_BANDS, phashLookups } from '../../functions/core/image-lookups';
import { parseImageUpdate } from '../../functions/core/image-updates';
import type { ImageRecord } from '../../functions/core/images';
import { findSimilar, hammingDistance, SIMILAR_MAX_DISTANCE } from '../../functions/core/similarity';
import { metadataFilterOf, parseMetadata, parseMetadataText } from '../../functions/core/user-metadata';
import { ACCOUNT, MemoryLog, OTHER_ACCOUNT, readyRecord } from './support/fakes';

describe('metadata', () => {
  it('accepts up to 20 pairs of [a-z0-9_.-]{1,40} keys and values up to 256 characters, and no metadata as undefined', () => {
    const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k.${i}_-`, 'v'.repeat(256)]));
    expect(parseMetadata(twenty)).toEqual(twenty);
    expect(parseMetadata({ ['a'.repeat(40)]: '' })).toEqual({ ['a'.repeat(40)]: '' });
    expect(parseMetadata(undefined)).toBeUndefined();
    expect(parseMetadata(null)).toBeUndefined();
    expect(parseMetadata({})).toBeUndefined();
    // A key like any other: defined as its own pair, never the object's prototype.
    const proto = parseMetadata(JSON.parse('{"__proto__":"x"}'))!;
    expect(Object.keys(proto)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it.each([
    [[], 'metadata must be a JSON object of strings'],
    ['user=1', 'metadata must be a JSON object of strings'],
    [{ 'Bad Key': 'x' }, /metadata keys are 1 to 40 characters/],
    [{ '': 'x' }, /metadata keys are 1 to 40 characters/],
    [{ ['a'.repeat(41)]: 'x' }, /metadata keys are 1 to 40 characters/],
    [{ 'a#b': 'x' }, /metadata keys are 1 to 40 characters/],
    [{ a: 1 }, 'metadata.a must be a string'],
    [{ a: null }, 'metadata.a must be a string'],
    [{ a: 'x'.repeat(257) }, 'metadata.a is longer than 256 characters'],
    [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])), 'metadata holds at most 20 pairs'],
  ])('refuses %j with a 400', (value, message) => {
    expect(() => parseMetadata(value)).toThrow(expect.objectContaining({ statusCode: 400, message: expect.stringMatching(message) }));
  });

  it('reads the multipart field as JSON text', () => {
    expect(parseMetadataText('{"user":"42"}')).toEqual({ user: '42' });
    expect(parseMetadataText(undefined)).toBeUndefined();
    expect(() => parseMetadataText('{')).toThrow(/must be a JSON object of strings/);
  });

  it('finds one metadata.<key> filter in a query, and refuses two or a bad key', () => {
    expect(metadataFilterOf({ limit: '20', 'metadata.user': '42' })).toEqual({ key: 'user', value: '42' });
    expect(metadataFilterOf({ 'metadata.user': '' })).toEqual({ key: 'user', value: '' });
    expect(metadataFilterOf({ limit: '5' })).toBeUndefined();
    expect(metadataFilterOf(null)).toBeUndefined();
    expect(() => metadataFilterOf({ 'metadata.a': '1', 'metadata.b': '2' })).toThrow('Filter by one metadata pair at a time');
    expect(() => metadataFilterOf({ 'metadata.A': '1' })).toThrow(/metadata keys/);
  });

  it('a change adds the pairs gained (or changed) and removes the ones lost', () => {
    const record = readyRecord({ metadata: { a: '1', b: '2', c: '3' } });
    const { add, remove } = metadataLookupChanges(record, { a: '1', b: '9', d: '4' });
    const pairs = (entries: LookupEntry[]) => entries.map((entry) => entry.partition.split('#').slice(2).join('='));
    expect(pairs(add)).toEqual(['b=9', 'd=4']);
    expect(pairs(remove)).toEqual(['b=2', 'c=3']);
    expect(add.every((entry) => entry.partition.startsWith(`m#${ACCOUNT}#`) && entry.sort === `${record.createdAt}#${record.id}`)).toBe(true);
  });

  it('a PATCH body changes the metadata, the visibility and the expiry, and nothing else', () => {
    const now = Date.parse('2026-11-27T10:00:00.000Z');
    expect(parseImageUpdate({ metadata: { a: '1' } }, now)).toEqual({ metadata: { a: '1' } });
    expect(parseImageUpdate({ metadata: null }, now)).toEqual({ metadata: null });
    expect(parseImageUpdate({ metadata: {} }, now)).toEqual({ metadata: null });
    expect(parseImageUpdate({}, now)).toEqual({});
    expect(parseImageUpdate({ metadata: { a: '1' }, visibility: 'private', expires_in: 60 }, now)).toEqual({ metadata: { a: '1' }, visibility: 'private', imageExpiresAt: now / 1000 + 60 });
    expect(parseImageUpdate({ expires_at: null }, now)).toEqual({ imageExpiresAt: null });
    expect(() => parseImageUpdate({ name: 'x' }, now)).toThrow(/Unknown field "name"/);
    expect(() => parseImageUpdate({ visibility: 'hidden' }, now)).toThrow('visibility must be "public" or "private"');
  });
});

describe('on_duplicate', () => {
  it('is store by default, or return, and nothing else', () => {
    expect(parseOnDuplicate(null)).toBe('store');
    expect(parseOnDuplicate({ on_duplicate: 'store' })).toBe('store');
    expect(parseOnDuplicate({ on_duplicate: 'return' })).toBe('return');
    expect(() => parseOnDuplicate({ on_duplicate: 'skip' })).toThrow('on_duplicate must be "store" or "return"');
  });
});

const hex64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => value.toString(16).padStart(16, '0'));

/** `hash` with the bits of `flips` (positions 0..63) inverted. */
function flip(hash: string, flips: readonly number[]): string {
  let value = BigInt(`0x${hash}`);
  for (const bit of new Set(flips)) value ^= 1n << BigInt(bit);
  return value.toString(16).padStart(16, '0');
}

/** Lookups in memory, `page` in descending sort order like the table. */
function memoryLookups(entries: LookupEntry[]) {
  const reads: string[] = [];
  return {
    reads,
    async page(partition: string, limit: number) {
      reads.push(partition);
      const matching = entries.filter((entry) => entry.partition === partition).sort((a, b) => (a.sort < b.sort ? 1 : -1));
      return { entries: matching.slice(0, limit), after: undefined };
    },
  };
}

describe('similar images (the banded perceptual hash)', () => {
  it('counts differing bits', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  });

  it('cuts a hash into 8 bands of 2 hex digits', () => {
    const entries = phashLookups({ accountId: ACCOUNT, id: 'X', phash: '0123456789abcdef' });
    expect(entries.map((entry) => entry.partition)).toEqual(['01', '23', '45', '67', '89', 'ab', 'cd', 'ef'].map((bits, band) => `p#${ACCOUNT}#${band}#${bits}`));
    expect(PHASH_BANDS).toBe(8);
    expect(phashLookups({ accountId: ACCOUNT, id: 'X' })).toEqual([]);
  });

  it('finds every image within 7 bits, whichever bits differ, and none further (property)', async () => {
    await fc.assert(
      fc.asyncProperty(hex64, fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 12 }), async (hash, flips) => {
        const near = flip(hash, flips);
        const distance = hammingDistance(hash, near);
        const base = readyRecord({ id: 'BaseBaseBaseBaseBase00', phash: hash });
        const other = readyRecord({ id: 'OtherOtherOtherOther00', phash: near });
        const lookups = memoryLookups([...phashLookups(base), ...phashLookups(other)]);
        const records = { getMany: async (ids: readonly string[]) => new Map(ids.map((id) => [id, id === other.id ? other : base] as const)) };
        const found = (await findSimilar({ lookups, records }, base))!;
        expect(found.map((match) => match.record.id)).toEqual(distance <= SIMILAR_MAX_DISTANCE ? [other.id] : []);
        if (distance <= SIMILAR_MAX_DISTANCE) expect(found[0].distance).toBe(distance);
        // The bound: the 8 bands of the image, nothing else.
        expect(lookups.reads).toHaveLength(8);
      }),
      { numRuns: 300 },
    );
  });

  it('is undefined before the analysis, and leaves out other accounts, deleted and non-ready records', async () => {
    const base = readyRecord({ id: 'BaseBaseBaseBaseBase00', phash: 'ffff0000ffff0000' });
    expect(await findSimilar({ lookups: memoryLookups([]), records: { getMany: async () => new Map() } }, readyRecord())).toBeUndefined();
    const twins = ['Twin1Twin1Twin1Twin100', 'Twin2Twin2Twin2Twin200', 'Twin3Twin3Twin3Twin300', 'Twin4Twin4Twin4Twin400'].map((id) => readyRecord({ id, phash: base.phash }));
    const lookups = memoryLookups([base, ...twins].flatMap(phashLookups));
    const records = new Map<string, ImageRecord>([
      [twins[0].id, twins[0]],
      [twins[1].id, { ...twins[1], accountId: OTHER_ACCOUNT }],
      [twins[2].id, { ...twins[2], state: 'pending' }],
    ]);
    const found = await findSimilar({ lookups, records: { getMany: async () => records } }, base);
    expect(found!.map((match) => match.record.id)).toEqual([twins[0].id]);
  });

  it('every lookup of a record: its pairs and its bands (what a delete removes)', () => {
    const record = readyRecord({ metadata: { a: '1' }, phash: '0123456789abcdef' });
    expect(lookupsOf(record)).toHaveLength(1 + 8);
  });
});

describe('perceptual hash and colour', () => {
  const square = (value: (x: number, y: number) => number) => Uint8Array.from({ length: PHASH_SIDE * PHASH_SIDE }, (_, i) => value(i % PHASH_SIDE, Math.floor(i / PHASH_SIDE)));

  it('is 16 hex digits, the same for the same pixels, unmoved by a uniform brightening, far for another picture', () => {
    const picture = square((x, y) => (x * 7 + y * 3 + ((x * y) % 17) * 5) % 200);
    const hash = perceptualHash(picture);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(perceptualHash(picture)).toBe(hash);
    expect(perceptualHash(picture.map((v) => v + 40))).toBe(hash);
    expect(hammingDistance(hash, perceptualHash(square((x, y) => (y < 16 ? 220 : 20) + (x % 3))))).toBeGreaterThan(SIMILAR_MAX_DISTANCE);
    expect(() => perceptualHash(new Uint8Array(10))).toThrow();
  });

  it('writes the colour as #rrggbb', () => {
    expect(hexColor({ r: 255, g: 0, b: 10.4 })).toBe('#ff000a');
    expect(hexColor({ r: 300, g: -1, b: 128 })).toBe('#ff0080');
  });
});

describe('analyzeImage', () => {
  const ID = 'AnAnAnAnAnAnAnAnAnAn00';
  const pixels: AnalysisPixels = {
    thumbnail: { width: 4, height: 2, rgba: new Uint8Array(4 * 2 * 4).fill(200) },
    grey: new Uint8Array(PHASH_SIDE * PHASH_SIDE).map((_, i) => i % 251),
    dominant: { r: 1, g: 2, b: 3 },
  };

  function setup(record: ImageRecord | undefined, { object = true, appearsAfter = 0, refuse = undefined as unknown } = {}) {
    const events: string[] = [];
    let gets = 0;
    const written: ImageAnalysis[] = [];
    const deps: AnalyzeDeps = {
      objects: { read: async () => (object ? { bytes: new Uint8Array([1]) } : undefined) },
      records: {
        get: async () => {
          gets += 1;
          return gets > appearsAfter ? record : undefined;
        },
        setAnalysis: async (_id, analysis) => {
          events.push('record');
          written.push(analysis);
          return record !== undefined;
        },
      },
      lookups: {
        put: async (entries) => {
          events.push(`lookups ${entries.length}`);
        },
      },
      pixels: {
        pixels: async () => {
          if (refuse !== undefined) throw refuse;
          return pixels;
        },
      },
      maxBytes: 1000,
      log: new MemoryLog(),
      wait: async () => undefined,
    };
    return { deps, events, written, gets: () => gets };
  }

  it('writes the bands first, then the record, with a ThumbHash, #rrggbb and the hash', async () => {
    const { deps, events, written } = setup(readyRecord({ id: ID }));
    expect(await analyzeImage(deps, `images/${ID}`)).toBe('analyzed');
    expect(events).toEqual(['lookups 8', 'record']);
    expect(written[0]).toMatchObject({ dominantColor: '#010203', phash: expect.stringMatching(/^[0-9a-f]{16}$/), thumbhash: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
  });

  it('waits for a record written just after its object (a direct upload)', async () => {
    const { deps, gets } = setup(readyRecord({ id: ID }), { appearsAfter: 3 });
    expect(await analyzeImage(deps, `images/${ID}`)).toBe('analyzed');
    expect(gets()).toBe(4);
  });

  it('leaves an analysed record, a deleted object and a key that is not an image alone', async () => {
    expect(await analyzeImage(setup(readyRecord({ id: ID, phash: '00' })).deps, `images/${ID}`)).toBe('already');
    expect(await analyzeImage(setup(readyRecord({ id: ID }), { object: false }).deps, `images/${ID}`)).toBe('gone');
    expect(await analyzeImage(setup(undefined).deps, `images/${ID}`)).toBe('unrecorded');
    expect(await analyzeImage(setup(undefined).deps, `variants/${ID}/w=10`)).toBe('skipped');
  });

  it('leaves an image whose pixels cannot be decoded unanalysed (no retry), and rethrows anything else', async () => {
    const refused = setup(readyRecord({ id: ID }), { refuse: new UntransformableImageError('libvips cannot decode the image: heif: ...') });
    expect(await analyzeImage(refused.deps, `images/${ID}`)).toBe('undecodable');
    expect(refused.events).toEqual([]);
    expect((refused.deps.log as MemoryLog).entries).toEqual([expect.objectContaining({ level: 'warn', message: 'image not analysed: its pixels cannot be decoded' })]);
    const failure = new Error('S3 is away');
    await expect(analyzeImage(setup(readyRecord({ id: ID }), { refuse: failure }).deps, `images/${ID}`)).rejects.toBe(failure);
  });
});
