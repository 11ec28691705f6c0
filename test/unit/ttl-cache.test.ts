import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../local/ttl-cache';

/** The authorizer result cache of the local gateway, on a clock the test moves. */

function cache(ttlMs: number) {
  let now = 1_000_000;
  return { cache: new TtlCache<string>(ttlMs, () => now), advance: (ms: number) => (now += ms) };
}

describe('TtlCache', () => {
  it('answers a value until its TTL has passed since it was set, then forgets it', () => {
    const { cache: c, advance } = cache(30_000);
    c.set('a', 'allow');
    advance(29_999);
    expect(c.get('a')).toBe('allow');
    advance(1);
    expect(c.get('a')).toBeUndefined();
  });

  it('remember computes once within the TTL and again after it', async () => {
    const { cache: c, advance } = cache(1000);
    let calls = 0;
    const compute = async () => `answer ${(calls += 1)}`;
    expect(await c.remember('k', compute)).toBe('answer 1');
    expect(await c.remember('k', compute)).toBe('answer 1');
    expect(await c.remember('other', compute)).toBe('answer 2');
    advance(1000);
    expect(await c.remember('k', compute)).toBe('answer 3');
  });

  it('caches nothing when compute throws, nor with a TTL of 0', async () => {
    const { cache: c } = cache(1000);
    await expect(c.remember('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(c.get('k')).toBeUndefined();
    const { cache: off } = cache(0);
    off.set('k', 'v');
    expect(off.get('k')).toBeUndefined();
  });

  it('clear forgets every entry', () => {
    const { cache: c } = cache(1000);
    c.set('a', '1');
    c.set('b', '2');
    c.clear();
    expect([c.get('a'), c.get('b')]).toEqual([undefined, undefined]);
  });
});
