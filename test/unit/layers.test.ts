import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The floors of functions/: core (pure domain) <- adapters (the SDK) <- transport (Lambda events
 * and responses) and runtime (the logger, the wiring) <- the handler files. Each floor imports
 * only from the floors below it, and only the wiring makes SDK clients for the handlers.
 */
const ROOT = new URL('../../functions/', import.meta.url).pathname;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports (static, type-only and dynamic), as written. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]);
}

/** Files of a folder (relative to functions/) that import something `forbidden` says they may not. */
function offenders(folder: string, forbidden: (specifier: string) => boolean): string[] {
  const dir = join(ROOT, folder);
  return filesUnder(dir).flatMap((path) =>
    importsOf(path)
      .filter(forbidden)
      .map((specifier) => `${relative(ROOT, path)} imports ${specifier}`),
  );
}

const handlerFiles = (): string[] => readdirSync(ROOT).filter((name) => name.endsWith('.ts'));

describe('functions/ layers', () => {
  it('core is pure domain: no Lambda event shapes, no SDK, no logger, nothing from the floors above', () => {
    expect(
      offenders('core', (s) => s === 'aws-lambda' || s.startsWith('@aws-sdk/') || s.startsWith('@aws-lambda-powertools/') || /(^|\/)(transport|runtime|adapters)\//.test(s)),
    ).toEqual([]);
  });

  it('adapters implement the ports over the SDK and know nothing of Lambda events, responses or the wiring', () => {
    expect(offenders('adapters', (s) => s === 'aws-lambda' || /(^|\/)transport\//.test(s) || /runtime\/wiring/.test(s))).toEqual([]);
  });

  it('transport turns events into calls and results into responses: no SDK, no adapters, no wiring', () => {
    expect(offenders('transport', (s) => s.startsWith('@aws-sdk/') || /(^|\/)adapters\//.test(s) || /runtime\/wiring/.test(s))).toEqual([]);
  });

  it('handlers make no SDK client and read no resource name themselves: both come from the wiring', () => {
    const found = handlerFiles().flatMap((name) => {
      const path = join(ROOT, name);
      const text = readFileSync(path, 'utf8');
      return [
        ...importsOf(path)
          .filter((s) => s.startsWith('@aws-sdk/'))
          .map((s) => `${name} imports ${s}`),
        ...(/requireString\(|optionalString\(/.test(text) ? [`${name} reads a resource name`] : []),
      ];
    });
    expect(found).toEqual([]);
  });

  it('the checks above see imports at all (a core file that imports its errors is found)', () => {
    expect(importsOf(join(ROOT, 'core/images.ts'))).toContain('./errors');
    expect(importsOf(join(ROOT, 'upload-image.ts'))).toContain('./runtime/wiring');
  });
});
