import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { edgeStoreWhenNeeded } from '../../functions/runtime/wiring';

const dir = mkdtempSync(join(tmpdir(), 'imager-edge-wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CHANGES = { puts: [{ key: 'p/abc', value: '{"v":1}' }] };

describe('edgeStoreWhenNeeded (functions/runtime/wiring.ts)', () => {
  it('without EDGE_STORE_ARN writes local mode\'s file', async () => {
    const file = join(dir, 'edge.json');
    await edgeStoreWhenNeeded({ IMAGER_EDGE_STORE_FILE: file }).update(CHANGES);
    expect(readFileSync(file, 'utf8')).toContain('p/abc');
  });

  it('with EDGE_STORE_ARN loads the KeyValueStore store from key-value-edge-store on the first write, and sends with it', async () => {
    const env = { EDGE_STORE_ARN: 'arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789' };
    const saved = { ...process.env };
    // No route to AWS here: the write must fail in the SDK (no credentials, or no network), not
    // in finding the module.
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    try {
      const error = await edgeStoreWhenNeeded(env).update(CHANGES).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.code).not.toBe('ERR_MODULE_NOT_FOUND');
      expect(error!.message).not.toMatch(/Cannot find module|Failed to load url|key-value-edge-store/);
      expect(error!.name).toMatch(/Credentials|ProviderError/);
    } finally {
      process.env = saved;
    }
  }, 30_000);
});
