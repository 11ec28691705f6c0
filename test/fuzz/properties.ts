import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  arbitraryBodyCase,
  authorizationValue,
  hostileFilenameCase,
  httpHeaderValue,
  multipartCase,
  mutatedImageCase,
  type UploadCase,
  validUploadCase,
} from './cases';
import { assertErrorEnvelope, type FuzzHarness } from './harness';

/**
 * The fuzz properties, shared by the CI suite (upload.fuzz.test.ts) and the long run
 * (`npm run fuzz`). `share` is each property's part of the total number of cases.
 */
export interface FuzzProperty {
  readonly name: string;
  readonly share: number;
  readonly property: (harness: FuzzHarness) => fc.IAsyncPropertyWithHooks<[unknown]>;
}

/** Cases through the real upload handler in process; refusals must not even attempt a write. */
function inProcess(arbitrary: fc.Arbitrary<UploadCase>) {
  return (harness: FuzzHarness) =>
    fc.asyncProperty(arbitrary as fc.Arbitrary<unknown>, async (value) => {
      const c = value as UploadCase;
      harness.writes.reset();
      await harness.check(c, await harness.uploadInProcess(c), { countedWrites: true });
    });
}

/** The same cases over HTTP through the local gateway with the dev key. */
function overHttp(arbitrary: fc.Arbitrary<UploadCase>) {
  return (harness: FuzzHarness) =>
    fc.asyncProperty(arbitrary as fc.Arbitrary<unknown>, async (value) => {
      const c = value as UploadCase;
      await harness.check(c, await harness.uploadOverHttp(c), { countedWrites: false });
    });
}

const anyUploadCase = fc.oneof(arbitraryBodyCase, multipartCase, mutatedImageCase, hostileFilenameCase, validUploadCase);

/** A body the API refuses once authenticated, so the status tells whether the key was accepted. */
const NOT_AN_IMAGE = {
  contentType: 'multipart/form-data; boundary=b',
  body: Buffer.from('--b\r\nContent-Disposition: form-data; name="image"; filename="x.png"\r\n\r\nnot an image\r\n--b--\r\n'),
};

export const PROPERTIES: readonly FuzzProperty[] = [
  { name: 'arbitrary bytes under arbitrary content types are refused with a 400', share: 0.15, property: inProcess(arbitraryBodyCase) },
  { name: 'arbitrary multipart structures get the verdict of their structure', share: 0.2, property: inProcess(multipartCase) },
  {
    name: 'mutated headers of every allowed format (truncated, zero/huge sizes, wrong magic, polyglots) are refused unless still a valid image',
    share: 0.22,
    property: inProcess(mutatedImageCase),
  },
  { name: 'hostile filenames never change where or how an image is stored', share: 0.12, property: inProcess(hostileFilenameCase) },
  { name: 'bytes in == bytes out: valid images in random framing are stored byte for byte', share: 0.06, property: inProcess(validUploadCase) },
  {
    name: 'arbitrary Authorization values: only an active key is allowed (authorizer)',
    share: 0.13,
    property: (harness) =>
      fc.asyncProperty(authorizationValue(harness.keys) as fc.Arbitrary<unknown>, async (value) => {
        const token = value as string;
        const match = /^bearer +(\S+) *$/i.exec(token);
        const expected = match && match[1] === harness.keys.active ? 'allow' : 'unauthorized';
        assert.equal(await harness.authorizeToken(token), expected, JSON.stringify(token));
      }),
  },
  {
    name: 'arbitrary Authorization values over HTTP: 401 in the envelope unless exactly "Bearer <active key>"',
    share: 0.04,
    property: (harness) =>
      fc.asyncProperty(fc.oneof(httpHeaderValue, authorizationValue(harness.keys).map((v) => v.replace(/[^\t\x20-\x7e]/g, ''))) as fc.Arbitrary<unknown>, async (value) => {
        const header = value as string;
        const trimmed = header.replace(/^[ \t]+|[ \t]+$/g, '');
        const valid = trimmed === `Bearer ${harness.keys.active}` || trimmed === `bearer ${harness.keys.active}`;
        const response = await harness.uploadOverHttp({ label: header, expected: { kind: 'refused', status: 400 }, ...NOT_AN_IMAGE }, header);
        const body = JSON.parse(response.body) as Record<string, unknown>;
        assertErrorEnvelope(body, JSON.stringify(header));
        assert.equal(response.statusCode, valid ? 400 : 401, JSON.stringify(header));
        assert.equal(body.message, valid ? 'Invalid image format' : 'Missing or invalid API key', JSON.stringify(header));
      }),
  },
  { name: 'every generator over HTTP through the local gateway gets the same verdict', share: 0.08, property: overHttp(anyUploadCase) },
];

/** Splits `total` cases over the properties by share (each gets at least one). */
export function runsFor(total: number): number[] {
  return PROPERTIES.map((p) => Math.max(1, Math.round(total * p.share)));
}

/** FUZZ_SEED / FUZZ_RUNS from the environment, or a fresh seed and `defaultRuns`. */
export function fuzzSettings(defaultRuns: number): { seed: number; total: number; path: string | undefined } {
  const seedText = process.env.FUZZ_SEED;
  const seed = seedText !== undefined && seedText !== '' ? Number(seedText) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got ${seedText}`);
  const runsText = process.env.FUZZ_RUNS;
  const total = runsText !== undefined && runsText !== '' ? Number(runsText) : defaultRuns;
  if (!Number.isInteger(total) || total < PROPERTIES.length) throw new Error(`FUZZ_RUNS must be an integer >= ${PROPERTIES.length}`);
  return { seed, total, path: process.env.FUZZ_PATH || undefined };
}
