import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BundlingExtra } from '../functions/function-table';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The sharp version the transform asset installs for linux-arm64: exactly the one the tests ran with. */
export function lockedSharpVersion(lockFile = `${ROOT}package-lock.json`): string {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.['node_modules/sharp']?.version;
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error('sharp is missing from package-lock.json');
  return version;
}

/** The command that puts sharp's linux-arm64 build into the bundle's directory (no Docker). */
export function sharpInstallCommand(outputDir: string, version = lockedSharpVersion()): string {
  return [
    'npm install',
    '--no-save --no-package-lock --no-audit --no-fund --ignore-scripts --prefer-offline',
    '--os=linux --cpu=arm64 --libc=glibc',
    `--prefix "${outputDir}"`,
    `sharp@${version}`,
  ].join(' ');
}

/** What a function table entry's `bundling` adds to the defaults of every function. */
export interface ExtraBundling {
  /** Modules kept out of the bundle (installed beside it instead). */
  readonly externalModules?: string[];
  /** Shell commands run with the asset directory once the bundle is written. */
  readonly afterBundling: (outputDir: string) => string[];
}

/** The bundling each {@link BundlingExtra} stands for. */
export function extraBundling(extra: BundlingExtra): ExtraBundling {
  switch (extra) {
    case 'docs-page':
      // The finished reference page (Redoc inlined, its CSP hashes), read by the function beside index.mjs.
      return { afterBundling: (outputDir) => [`"${ROOT}node_modules/.bin/tsx" "${ROOT}scripts/docs-page.ts" "${outputDir}"`] };
    case 'sharp': {
      // sharp is native: kept out of the bundle and installed for the target beside it.
      const version = lockedSharpVersion();
      return { externalModules: ['sharp'], afterBundling: (outputDir) => [sharpInstallCommand(outputDir, version)] };
    }
  }
}
