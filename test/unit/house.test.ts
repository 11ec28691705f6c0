import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house rules a newcomer relies on (docs/architecture.md, "Code layout"): no import circle
 * anywhere in the product, no product file over 400 lines (generated ones aside), and comments
 * that cite only documents inside the repository.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const PRODUCT = ['functions', 'lib', 'local', 'bench', 'scripts', 'web/src', 'client', 'bin'];
const GENERATED = new Set(['client/api-types.ts']);
const SOURCE = /\.(ts|mjs|js)$/;

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : filesUnder(path);
    return SOURCE.test(name) ? [path] : [];
  });
}

const productFiles = (): string[] => PRODUCT.flatMap((dir) => filesUnder(join(ROOT, dir))).filter((path) => !GENERATED.has(relative(ROOT, path)));

/** Relative imports of a file (static, type-only, re-exports and dynamic with a literal), resolved to files. */
function localImports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]);
  return specifiers.flatMap((specifier) => {
    const base = resolve(dirname(path), specifier);
    const candidates = [base, `${base}.ts`, base.replace(/\.js$/, '.ts'), join(base, 'index.ts')];
    const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
    return found ? [found] : [];
  });
}

/** Every cycle's files, found by depth-first search over the import graph (one report per cycle found). */
function importCycles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, localImports(file)]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map((f) => relative(ROOT, f)));
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('the house', () => {
  it('has no import circle anywhere in the product', () => {
    expect(importCycles(productFiles())).toEqual([]);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const dir = join(ROOT, 'test/unit/support/circle');
    expect(importCycles(filesUnder(dir)).map((cycle) => cycle.map((f) => f.split('/').pop()))).toEqual([['a.ts', 'b.ts']]);
  });

  it('keeps every product file at 400 lines or fewer (generated files aside)', () => {
    const long = productFiles()
      .map((path) => ({ path: relative(ROOT, path), lines: readFileSync(path, 'utf8').split('\n').length }))
      .filter((file) => file.lines > 400);
    expect(long).toEqual([]);
  });

  it('cites only documents in the repository: no "SPEC §n" or "issue n", and every cited docs/ file exists', () => {
    const self = new URL(import.meta.url).pathname;
    const files = [...productFiles(), ...filesUnder(join(ROOT, 'test')).filter((path) => !path.includes('/fixtures/') && path !== self)];
    const outside = files.flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, at: `${relative(ROOT, path)}:${index + 1}` }))
        .filter(({ line }) => /\bSPEC ?§|\b[Ii]ssue \d+\b/.test(line))
        .map(({ at }) => at),
    );
    expect(outside).toEqual([]);
    const cited = new Set(files.flatMap((path) => [...readFileSync(path, 'utf8').matchAll(/\bdocs\/([a-z0-9-]+\.md)/g)].map((match) => match[1])));
    expect([...cited].filter((doc) => !existsSync(join(ROOT, 'docs', doc)))).toEqual([]);
  });
});
