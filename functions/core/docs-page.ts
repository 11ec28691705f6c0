/**
 * The API reference page: Redoc with our OpenAPI description, and the file the GetDocs asset
 * carries it in. Built by the asset build (scripts/docs-page.ts), or at start where there is no
 * built page (local mode, tests).
 */

/** The Redoc browser bundle's file name in the npm package. */
export const REDOC_BUNDLE = 'redoc.standalone.js';

/**
 * The page as the function's asset carries it, one file: the CSP on the first line, the HTML
 * after it. Built with the bundle by scripts/docs-page.ts (GetDocs's `bundling: 'docs-page'` in functions/function-table.ts, run by lib/bundling.ts), so a cold
 * start reads one file instead of escaping and hashing a megabyte.
 */
export const DOCS_PAGE_FILE = 'docs.page';

/** The reference page and the content security policy it is served with. */
export interface DocsPage {
  readonly html: string;
  readonly csp: string;
}

/** The built page's file contents. */
export function serializeDocsPage(page: DocsPage): string {
  if (page.csp.includes('\n')) throw new Error('a CSP is one line');
  return `${page.csp}\n${page.html}`;
}

/** A built page's file contents read back. */
export function parseDocsPage(built: string): DocsPage {
  const newline = built.indexOf('\n');
  return { csp: built.slice(0, newline), html: built.slice(newline + 1) };
}

/** Redoc's sidebar credit logo, on Redocly's CDN. */
export const REDOC_CREDIT_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
/** Its stand-in, inline: an empty image the size of the credit's. */
const CREDIT_LOGO = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'/%3E";

/**
 * A CSP source for an inline script. node:crypto is loaded here, when a page is built (by the
 * asset build, or locally), not when the function starts: importing it costs ~4 ms of a cold
 * start whose page is already built.
 */
function sha256Source(source: string): string {
  const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/**
 * The reference page: Redoc, inlined from our own copy of the npm package (no third-party CDN),
 * reading the description from `api/openapi.json` relative to the page, so it works under an API
 * Gateway stage prefix (`/v1/docs` reads `/v1/api/openapi.json`). The content security policy
 * allows exactly the two inline scripts (by hash), Redoc's search worker and its inline styles.
 */
export function docsPage(redoc: string): DocsPage {
  const bundle = redoc
    // Inline script text ends at the first "</script": none may occur inside it.
    .replace(/<\/(script)/gi, '<\\/$1')
    // The only asset Redoc fetches from elsewhere: the logo of its sidebar credit.
    .replaceAll(REDOC_CREDIT_LOGO, CREDIT_LOGO);
  const init = `Redoc.init('api/openapi.json',{expandResponses:'200,201',pathInMiddlePanel:true,hideHostname:false},document.getElementById('redoc'))`;
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Imager API reference</title>',
    // No /favicon.ico request (it would be a 404).
    '<link rel="icon" href="data:,">',
    '<style>body{margin:0;padding:0}</style>',
    '</head>',
    '<body>',
    '<div id="redoc"></div>',
    `<script>${bundle}</script>`,
    `<script>${init}</script>`,
    '</body>',
    '</html>',
  ].join('\n');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(bundle)} ${sha256Source(init)}`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
