import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The benchmark's reference parser, `lambda-multipart-parser`, installed on demand (docs/security-and-reliability.md). It is what people reach for, so the bench compares against it; but its busboy 0.3
 * depends on `dicer` (CVE-2022-24434), so it is not in package.json and no `npm ci` carries it.
 * The first `npm run bench` installs the pinned version into node_modules/.cache (outside the
 * project's dependency tree, never bundled, never loaded by tests or local mode).
 */
export const REFERENCE_PARSER = { name: 'lambda-multipart-parser', version: '1.0.1' } as const;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const REFERENCE_DIR = join(ROOT, 'node_modules', '.cache', 'imager-bench-reference');

export interface ReferenceParser {
  parse(event: unknown): Promise<{ files: Array<{ content?: Buffer; fieldname: string }> }>;
}

/** Installs the reference parser if it is missing, and returns its version. */
export function ensureReferenceParser(): string {
  const manifest = join(REFERENCE_DIR, 'node_modules', REFERENCE_PARSER.name, 'package.json');
  if (!existsSync(manifest)) {
    console.error(`bench: installing ${REFERENCE_PARSER.name}@${REFERENCE_PARSER.version} (reference only) into ${REFERENCE_DIR}`);
    execFileSync(
      'npm',
      ['install', '--prefix', REFERENCE_DIR, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', `${REFERENCE_PARSER.name}@${REFERENCE_PARSER.version}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** The reference parser, installed first if needed. */
export function loadReferenceParser(): ReferenceParser {
  ensureReferenceParser();
  return createRequire(join(REFERENCE_DIR, 'index.js'))(REFERENCE_PARSER.name) as ReferenceParser;
}
