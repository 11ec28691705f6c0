/**
 * Writes the API reference page into a Lambda asset: `docs.page` (its CSP on the first line, the
 * HTML after) beside index.mjs, built from the installed Redoc by the same `docsPage` the handler
 * would run, so the function reads a finished page at cold start. Run by the GetDocs bundling
 * (GetDocs's `bundling: 'docs-page'` in functions/function-table.ts, run by lib/bundling.ts):
 *
 *   tsx scripts/docs-page.ts <asset dir>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS_PAGE_FILE, serializeDocsPage } from '../functions/core/docs-page';
import { loadDocsPage } from '../functions/runtime/docs-page';

const [outputDir] = process.argv.slice(2);
if (!outputDir) throw new Error('usage: tsx scripts/docs-page.ts <asset dir>');
// Built here from node_modules (this script's module has no page beside it).
writeFileSync(join(outputDir, DOCS_PAGE_FILE), serializeDocsPage(loadDocsPage()));
