import type { APIGatewayProxyEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE64_PIECE_CHARS, bodyBytes, decodeBase64 } from '../../functions/transport/body';

/** Deterministic pseudo-random bytes (xorshift32): large inputs without large generators. */
function bytesFrom(seed: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let x = seed | 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** A string as the runtime passes it (parsed from JSON), not an external one from Buffer#toString. */
const asParsed = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

const event = (body: string | null, isBase64Encoded: boolean) => ({ body, isBase64Encoded }) as APIGatewayProxyEvent;

describe('decodeBase64 (in pieces)', () => {
  it('decodes bodies of every size around the piece boundaries byte for byte', () => {
    const piece = (BASE64_PIECE_CHARS / 4) * 3; // bytes per piece
    for (const length of [0, 1, 2, 3, piece - 1, piece, piece + 1, piece + 2, 2 * piece, 2 * piece + 1, 3 * piece + 2, 1_000_003]) {
      const bytes = bytesFrom(length + 7, length);
      const decoded = decodeBase64(asParsed(bytes.toString('base64')));
      expect(decoded.byteLength).toBe(length);
      expect(decoded.equals(bytes)).toBe(true);
    }
  });

  it('property: equals Buffer.from(text, "base64") for any text, plain or not', () => {
    // Plain base64 of random bytes, then optionally damaged: whitespace, padding, base64url
    // characters and junk inserted anywhere (including inside the first pieces).
    const damage = fc.array(
      fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\r\n', '=', '==', '-', '_', '*', 'é', '\u2028', 'A')),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * BASE64_PIECE_CHARS }), fc.integer(), damage, (length, seed, inserts) => {
        let text = bytesFrom(seed, length).toString('base64');
        for (const [at, insert] of inserts) {
          const position = text.length === 0 ? 0 : at % (text.length + 1);
          text = text.slice(0, position) + insert + text.slice(position);
        }
        expect(decodeBase64(asParsed(text)).equals(Buffer.from(text, 'base64'))).toBe(true);
      }),
      { numRuns: 150, seed: 20261127 },
    );
  });
});

describe('bodyBytes', () => {
  it('decodes a base64 body (binary media type) and keeps a text body as latin1', () => {
    const bytes = bytesFrom(11, 300_000);
    expect(bodyBytes(event(asParsed(bytes.toString('base64')), true)).equals(bytes)).toBe(true);
    expect(bodyBytes(event('h\u00e9llo', false)).equals(Buffer.from([0x68, 0xe9, 0x6c, 0x6c, 0x6f]))).toBe(true);
  });

  it('gives an empty buffer for a missing body', () => {
    expect(bodyBytes(event(null, true)).byteLength).toBe(0);
  });
});
