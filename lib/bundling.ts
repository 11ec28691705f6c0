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

/** CommonJS dependencies bundled into ESM call require() for Node built-ins: every bundle starts with this. */
export const BUNDLE_BANNER = "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);";

/**
 * Lambda always passes the role's credentials in environment variables: bundles get an env-only
 * provider instead of the default chain (SSO, INI, IMDS, STS clients...), as this esbuild alias.
 */
export const CREDENTIALS_ALIAS = { from: '@aws-sdk/credential-provider-node', to: `${ROOT}functions/runtime/lambda-credentials.ts` } as const;

/** The file the `edge-store` bundling writes beside index.mjs (functions/runtime/wiring.ts loads it). */
export const EDGE_STORE_FILE = 'key-value-edge-store.mjs';

/** The command that bundles functions/runtime/key-value-edge-store.ts into `outputDir`, as index.mjs is bundled. */
export function edgeStoreBundleCommand(outputDir: string): string {
  return [
    `"${ROOT}node_modules/.bin/esbuild" "${ROOT}functions/runtime/key-value-edge-store.ts"`,
    '--bundle --platform=node --format=esm --target=node24 --minify --sourcemap --sources-content=false',
    '--main-fields=module,main --log-level=warning',
    `"--banner:js=${BUNDLE_BANNER}"`,
    `"--alias:${CREDENTIALS_ALIAS.from}=${CREDENTIALS_ALIAS.to}"`,
    `"--outfile=${outputDir}/${EDGE_STORE_FILE}"`,
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
    case 'edge-store':
      return { afterBundling: (outputDir) => [edgeStoreBundleCommand(outputDir)] };
  }
}
