import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../functions/core/errors';
import {
  canonicalTransform,
  formatForAccept,
  pairsFromMultiValue,
  pairsFromSearch,
  parseCanonical,
  parseTransform,
  type Transform,
} from '../../functions/core/transform-params';
import { junkQuery, validParams } from '../support/transform-queries';

function parse(search: string, accept?: string): Transform | undefined {
  return parseTransform(pairsFromSearch(search), accept);
}

function canonical(search: string, accept?: string): string {
  const t = parse(search, accept);
  if (!t) throw new Error('no transform');
  return canonicalTransform(t);
}

function problem(search: string, accept?: string): string {
  try {
    parse(search, accept);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).statusCode).toBe(400);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${search}`);
}

describe('parseTransform: accepted', () => {
  it.each([
    ['w=300', 'w300-hauto-inside-original-qauto'],
    ['h=200', 'wauto-h200-inside-original-qauto'],
    ['w=300&h=200', 'w300-h200-inside-original-qauto'],
    ['w=300&h=200&fit=cover', 'w300-h200-cover-original-qauto'],
    ['w=300&h=200&fit=contain', 'w300-h200-contain-original-qauto'],
    ['w=4096&h=1', 'w4096-h1-inside-original-qauto'],
    ['format=webp', 'wauto-hauto-inside-webp-q80'],
    ['format=jpeg', 'wauto-hauto-inside-jpeg-q80'],
    ['format=avif', 'wauto-hauto-inside-avif-q50'],
    ['format=png', 'wauto-hauto-inside-png-qauto'],
    ['format=png&q=40', 'wauto-hauto-inside-png-qauto'],
    ['w=10&q=1', 'w10-hauto-inside-original-q1'],
    ['w=10&format=webp&q=100', 'w10-hauto-inside-webp-q100'],
  ])('%s -> %s', (search, expected) => {
    expect(canonical(search)).toBe(expected);
  });

  it('no parameter at all means the original', () => {
    expect(parse('')).toBeUndefined();
    expect(parse('?')).toBeUndefined();
    expect(pairsFromMultiValue(null, null)).toEqual([]);
  });

  it('equivalent URLs share one canonical name (order, explicit defaults, fit without both sides)', () => {
    const same = ['w=300&format=webp', 'format=webp&w=300', 'w=300&format=webp&q=80', 'w=300&fit=cover&format=webp', 'fit=contain&format=webp&w=300'];
    expect(new Set(same.map((s) => canonical(s)))).toEqual(new Set(['w300-hauto-inside-webp-q80']));
    expect(canonical('w=1&h=2')).toBe(canonical('h=2&fit=inside&w=1'));
  });

  it('format=auto follows Accept: AVIF, then WebP, then the original; q=0 refuses a type; it is marked auto', () => {
    const chrome = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
    expect(canonical('w=300&format=auto', chrome)).toBe('w300-hauto-inside-avif-q50');
    expect(canonical('w=300&format=auto', 'image/webp,*/*')).toBe('w300-hauto-inside-webp-q80');
    expect(canonical('w=300&format=auto', 'image/avif;q=0, image/webp')).toBe('w300-hauto-inside-webp-q80');
    expect(canonical('w=300&format=auto', '*/*')).toBe('w300-hauto-inside-original-qauto');
    expect(canonical('w=300&format=auto', undefined)).toBe('w300-hauto-inside-original-qauto');
    expect(canonical('w=300&format=auto', 'IMAGE/AVIF')).toBe('w300-hauto-inside-avif-q50');
    expect(parse('w=300&format=auto', chrome)?.auto).toBe(true);
    expect(parse('w=300&format=avif', chrome)?.auto).toBe(false);
    // auto resolved to AVIF is the same variant as asking for AVIF.
    expect(canonical('w=300&format=auto', chrome)).toBe(canonical('w=300&format=avif'));
    expect(formatForAccept('image/webp;q=0.5')).toBe('webp');
  });

  it('reads API Gateway multi-value parameters, repeats included', () => {
    expect(pairsFromMultiValue({ w: ['1', '2'], h: ['3'] })).toEqual([
      ['w', '1'],
      ['w', '2'],
      ['h', '3'],
    ]);
    expect(() => parseTransform(pairsFromMultiValue({ w: ['1', '2'] }), undefined)).toThrow('Parameter w is repeated');
    expect(pairsFromMultiValue(null, { w: '5' })).toEqual([['w', '5']]);
  });
});

describe('parseTransform: 400 naming the problem', () => {
  it.each([
    ['x=1', 'Unknown parameter "x"; allowed: w, h, fit, format, q'],
    ['W=1', 'Unknown parameter "W"; allowed: w, h, fit, format, q'],
    ['w=1&cachebust=123', 'Unknown parameter "cachebust"; allowed: w, h, fit, format, q'],
    ['w=1&', 'Unknown parameter ""; allowed: w, h, fit, format, q'],
    ['w=1&w=1', 'Parameter w is repeated'],
    ['w=1&h=2&h=2&w=3', 'Parameter h is repeated'],
    ['w=0', 'Parameter w must be an integer from 1 to 4096'],
    ['w=4097', 'Parameter w must be an integer from 1 to 4096'],
    ['w=', 'Parameter w must be an integer from 1 to 4096'],
    ['w', 'Parameter w must be an integer from 1 to 4096'],
    ['w=012', 'Parameter w must be an integer from 1 to 4096'],
    ['w=1.5', 'Parameter w must be an integer from 1 to 4096'],
    ['w=-3', 'Parameter w must be an integer from 1 to 4096'],
    ['w=%2B3', 'Parameter w must be an integer from 1 to 4096'],
    ['w=1e3', 'Parameter w must be an integer from 1 to 4096'],
    ['h=99999999999', 'Parameter h must be an integer from 1 to 4096'],
    ['fit=fill', 'Parameter fit must be one of inside, cover, contain'],
    ['fit=Cover', 'Parameter fit must be one of inside, cover, contain'],
    ['format=gif', 'Parameter format must be one of jpeg, png, webp, avif, auto'],
    ['format=jpg', 'Parameter format must be one of jpeg, png, webp, avif, auto'],
    ['q=0', 'Parameter q must be an integer from 1 to 100'],
    ['q=101', 'Parameter q must be an integer from 1 to 100'],
    ['w=%zz', 'Malformed query string'],
  ])('%s -> %s', (search, message) => {
    expect(problem(search)).toBe(message);
  });
});

describe('canonical names', () => {
  it('read back to the same transform; anything else is a 400', () => {
    for (const search of ['w=300', 'w=300&h=200&fit=cover&format=webp&q=70', 'format=png', 'h=1&format=avif']) {
      const t = parse(search)!;
      const name = canonicalTransform(t);
      expect(canonicalTransform(parseCanonical(name))).toBe(name);
      expect(parseCanonical(name)).toMatchObject({ width: t.width, height: t.height, fit: t.fit, format: t.format });
    }
    for (const bad of [
      '',
      'w300',
      'w300-hauto-inside-webp',
      'w0-hauto-inside-webp-q80',
      'w5000-hauto-inside-webp-q80',
      'w300-hauto-fill-webp-q80',
      'w300-hauto-inside-webp-q101',
      'w300-hauto-inside-webp-q080',
      'w300-hauto-cover-webp-q80', // fit with one side is always written inside
      'w300-hauto-inside-png-q80', // PNG's q is always auto
      'w300-hauto-inside-webp-qauto', // a known format's default is written out
      '../images/x',
    ]) {
      expect(() => parseCanonical(bad), bad).toThrow(BadRequestError);
    }
  });
});

describe('properties', () => {
  it('any query either parses to a canonical name that reads back, or is a 400 BadRequestError: nothing else', () => {
    fc.assert(
      fc.property(junkQuery, fc.constantFrom(undefined, 'image/avif', 'image/webp', '*/*'), (search, accept) => {
        let t: Transform | undefined;
        try {
          t = parse(search, accept);
        } catch (error) {
          expect(error).toBeInstanceOf(BadRequestError);
          expect((error as BadRequestError).statusCode).toBe(400);
          return;
        }
        expect(t).toBeDefined();
        const name = canonicalTransform(t!);
        expect(name).toMatch(/^[a-z0-9-]+$/);
        expect(canonicalTransform(parseCanonical(name))).toBe(name);
      }),
      { numRuns: 2000 },
    );
  });

  it('a repeated, unknown or out-of-range parameter added to a valid query always makes it a 400', () => {
    const valid = validParams;
    const spoiler = fc.oneof(
      fc.constantFrom('w', 'h', 'fit', 'format', 'q').map((name) => ({ kind: 'repeat' as const, name })),
      fc.string({ minLength: 1, maxLength: 6 }).filter((n) => !['w', 'h', 'fit', 'format', 'q'].includes(n)).map((name) => ({ kind: 'unknown' as const, name })),
      fc.oneof(
        fc.constantFrom('w', 'h').chain((name) => fc.oneof(fc.integer({ min: 4097, max: 1e7 }), fc.integer({ min: -100, max: 0 })).map((v) => ({ kind: 'range' as const, name, value: String(v) }))),
        fc.oneof(fc.integer({ min: 101, max: 1e6 }), fc.integer({ min: -100, max: 0 })).map((v) => ({ kind: 'range' as const, name: 'q', value: String(v) })),
      ),
    );
    fc.assert(
      fc.property(valid, spoiler, fc.nat(), (params, spoil, position) => {
        const pairs: Array<[string, string]> = Object.entries(params).map(([k, v]) => [k, String(v)]);
        if (spoil.kind === 'repeat') {
          pairs.push([spoil.name, '1']);
          if (!(spoil.name in params)) pairs.push([spoil.name, '2']);
        } else if (spoil.kind === 'unknown') {
          pairs.splice(position % (pairs.length + 1), 0, [spoil.name, '1']);
        } else {
          const at = pairs.findIndex(([k]) => k === spoil.name);
          if (at >= 0) pairs[at] = [spoil.name, spoil.value];
          else pairs.push([spoil.name, spoil.value]);
        }
        const search = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        expect(() => parse(search, 'image/avif')).toThrow(BadRequestError);
      }),
      { numRuns: 1000 },
    );
  });

  it('any order of the same parameters gives the same canonical name', () => {
    const valid = validParams.filter((p) => Object.keys(p).length > 0);
    fc.assert(
      fc.property(valid, fc.func(fc.integer()), (params, key) => {
        const pairs = Object.entries(params).map(([k, v]) => `${k}=${v}`);
        const shuffled = [...pairs].sort((a, b) => key(a) - key(b) || a.localeCompare(b));
        expect(canonical(shuffled.join('&'), 'image/webp')).toBe(canonical(pairs.join('&'), 'image/webp'));
      }),
      { numRuns: 500 },
    );
  });
});
