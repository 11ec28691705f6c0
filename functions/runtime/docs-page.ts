import { readFileSync } from 'node:fs';
import { DOCS_PAGE_FILE, type DocsPage, docsPage, parseDocsPage, REDOC_BUNDLE } from '../core/docs-page';

/**
 * The page beside this module in a Lambda asset (the bundle, index.mjs, is the module there);
 * else (local mode, tests) built from the installed npm package, as the build does. Only node:fs
 * is loaded at start.
 */
export function loadDocsPage(moduleUrl: string = import.meta.url): DocsPage {
  try {
    return parseDocsPage(readFileSync(new URL(`./${DOCS_PAGE_FILE}`, moduleUrl), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  return docsPage(readFileSync(createRequire(moduleUrl).resolve(`redoc/bundles/${REDOC_BUNDLE}`), 'utf8'));
}
