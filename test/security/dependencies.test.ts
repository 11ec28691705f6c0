import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REFERENCE_PARSER } from '../../bench/lib/reference-parser';

/**
 * A fresh install (`npm ci`) carries no package with a known advisory we have met (docs/security-and-reliability.md): dicer (CVE-2022-24434) came in through the bench's lambda-multipart-parser and
 * through s3rver's busboy 0.3.
 */
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { name?: string; version?: string }>;
};
const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, Record<string, string> | undefined>;

/** Every installed package as the name it was published under, with its version. */
const installed = Object.entries(lock.packages)
  .filter(([path]) => path.startsWith('node_modules/') || path.includes('/node_modules/'))
  .map(([path, entry]) => ({ path, name: entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), version: entry.version ?? '' }));

describe('a fresh install', () => {
  it('sees the whole lock file (sanity: the upload parser, s3rver and the SDK are there)', () => {
    const names = new Set(installed.map((p) => p.name));
    for (const name of ['@remix-run/multipart-parser', 's3rver', '@aws-sdk/client-s3']) expect(names).toContain(name);
  });

  it('has no dicer and no lambda-multipart-parser anywhere in the tree', () => {
    expect(installed.filter((p) => p.name === 'dicer' || p.name === 'lambda-multipart-parser')).toEqual([]);
  });

  it('has no busboy 0.x (it depends on dicer); s3rver gets @fastify/busboy, which keeps its 0.x API', () => {
    for (const busboy of installed.filter((p) => p.name === 'busboy')) expect(busboy.version).toMatch(/^1\./);
    expect(lock.packages['node_modules/s3rver/node_modules/busboy']?.name).toBe('@fastify/busboy');
  });

  it('lists the bench reference parser in no dependency section (it is installed on demand by the bench)', () => {
    for (const section of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
      expect(Object.keys(manifest[section] ?? {})).not.toContain(REFERENCE_PARSER.name);
    }
  });
});
