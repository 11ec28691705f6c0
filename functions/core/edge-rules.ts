import { parseImageEntry, secretKey } from './edge-entries';
import { BadRequestError } from './errors';
import { IMAGE_ID_PATTERN } from './ids';
import { canonicalTransform, PARAMETER_NAMES, parseTransform, type QueryPair } from './transform-params';
import { EXP_PATTERN, KID_PATTERN, SIG_PATTERN, SIGNATURE_PARAMETERS, signatureMatches } from './url-signing';

/**
 * The edge rules of docs/edge.md as a pure function: what the viewer-request CloudFront Function
 * (lib/edge/viewer-request.js) decides for a public URL before the cache, with the same checks in
 * the same order and the same answers. test/unit/edge-rules.test.ts holds the two to the same
 * verdicts on generated requests and stores; local mode runs the function file itself.
 *
 * Order: a malformed query is 400; a signature that is present but wrong, tampered, of an
 * unknown `kid` or past its `exp` is 403 `Invalid signature`; an unsigned transform outside the
 * unsigned set is 403 `Signature required` (decided from the URL alone, so it never reveals
 * whether an image exists); then the image's entry: gone or expired is 404, private without a
 * valid signature of its own account is 404 (existence is not revealed, as for another
 * account's image in the API).
 */

/** The transforms anyone may ask for without a signature (docs/edge.md, "Presets"). */
export interface UnsignedSet {
  /** Allowed values of `w` or `h` (one of them, not both). */
  readonly sizes: readonly number[];
  /** Allowed values of `format` (`auto` included or not). */
  readonly formats: readonly string[];
}

export const UNSIGNED_DEFAULTS: UnsignedSet = {
  sizes: [64, 128, 256, 512, 1024, 2048],
  formats: ['jpeg', 'png', 'webp', 'avif', 'auto'],
};

/** What the edge answers itself, in the JSON envelope. */
export interface EdgeAnswer {
  readonly status: 400 | 403 | 404;
  readonly message: string;
}

/** Where the edge sends a request it lets through (the cache key is this path alone). */
export interface EdgeForward {
  readonly uri: string;
  /** `format=auto`: the response varies by Accept. */
  readonly vary: boolean;
}

export type EdgeVerdict = EdgeAnswer | EdgeForward;

export const INVALID_SIGNATURE = 'Invalid signature';
export const SIGNATURE_REQUIRED = 'Signature required';

const IMAGE_PATH = /* @__PURE__ */ new RegExp(`^/image/(${IMAGE_ID_PATTERN})$`);
const KNOWN = new Set<string>([...PARAMETER_NAMES, ...SIGNATURE_PARAMETERS]);

/** The store as the rules read it: the value of a key, or undefined. */
export type EdgeLookup = (key: string) => string | undefined;

/** True when a transform (the parameters as the URL has them, signature ones removed) is in the unsigned set. */
export function isUnsignedTransform(params: ReadonlyMap<string, string>, unsigned: UnsignedSet): boolean {
  if (params.has('fit') || params.has('q') || (params.has('w') && params.has('h'))) return false;
  const size = params.get('w') ?? params.get('h');
  if (size !== undefined && !unsigned.sizes.includes(Number(size))) return false;
  const format = params.get('format');
  return format === undefined || unsigned.formats.includes(format);
}

/**
 * The verdict for `GET <path>?<pairs>` (pairs percent-decoded, in order, repeats kept), with
 * the store `lookup` and the time `nowMs`.
 */
export function decideAtEdge(
  request: { readonly path: string; readonly pairs: readonly QueryPair[]; readonly accept?: string },
  lookup: EdgeLookup,
  nowMs: number,
  unsigned: UnsignedSet = UNSIGNED_DEFAULTS,
): EdgeVerdict {
  const match = IMAGE_PATH.exec(request.path);
  if (!match) return { status: 404, message: 'Not found' };
  const id = match[1] as string;

  const byName = new Map<string, string[]>();
  for (const [name, value] of request.pairs) byName.set(name, [...(byName.get(name) ?? []), value]);
  const names = [...byName.keys()].sort();
  const unknown = names.find((name) => !KNOWN.has(name));
  if (unknown !== undefined) return { status: 400, message: `Unknown parameter ${JSON.stringify(unknown)}; allowed: w, h, fit, format, q` };
  const repeated = names.find((name) => (byName.get(name) as string[]).length > 1);
  if (repeated !== undefined) return { status: 400, message: `Parameter ${repeated} is repeated` };
  const seen = new Map(names.map((name) => [name, (byName.get(name) as string[])[0] as string]));

  const transformPairs = request.pairs.filter(([name]) => !(SIGNATURE_PARAMETERS as readonly string[]).includes(name));
  let uri: string;
  let vary = false;
  try {
    const transform = parseTransform(transformPairs, request.accept);
    uri = transform ? `/variants/${id}/${canonicalTransform(transform)}` : `/images/${id}`;
    vary = transform?.auto ?? false;
  } catch (error) {
    if (error instanceof BadRequestError) return { status: 400, message: error.message };
    throw error;
  }

  let owner: string | undefined;
  const sig = seen.get('sig');
  const kid = seen.get('kid');
  const exp = seen.get('exp');
  if (sig !== undefined || kid !== undefined || exp !== undefined) {
    const invalid: EdgeAnswer = { status: 403, message: INVALID_SIGNATURE };
    if (sig === undefined || kid === undefined || !SIG_PATTERN.test(sig) || !KID_PATTERN.test(kid)) return invalid;
    if (exp !== undefined && (!EXP_PATTERN.test(exp) || Number(exp) * 1000 < nowMs)) return invalid;
    const stored = lookup(secretKey(kid));
    const bar = stored === undefined ? -1 : stored.indexOf('|');
    if (stored === undefined || bar < 1) return invalid;
    const signed = Object.fromEntries([...seen].filter(([name]) => name !== 'sig'));
    if (!signatureMatches(stored.slice(bar + 1), request.path, signed, sig)) return invalid;
    owner = stored.slice(0, bar);
  } else {
    const params = new Map([...seen].filter(([name]) => (PARAMETER_NAMES as readonly string[]).includes(name)));
    if (!isUnsignedTransform(params, unsigned)) return { status: 403, message: SIGNATURE_REQUIRED };
  }

  const value = lookup(id);
  if (value !== undefined) {
    const entry = parseImageEntry(value);
    const notFound: EdgeAnswer = { status: 404, message: 'Image not found' };
    if (!entry || entry.gone) return notFound;
    if (entry.expiresAt !== undefined && nowMs >= entry.expiresAt * 1000) return notFound;
    if (entry.private && owner !== entry.accountId) return notFound;
  }
  return { uri, vary };
}
