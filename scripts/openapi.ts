/**
 * Generates what is derived from openapi.yaml, or (`--check`) fails when a committed copy is
 * stale:
 * - functions/generated/openapi.json: the document as JSON, imported by the handler that serves
 *   /api/openapi.json (bundled at build time, so no YAML is parsed at cold start);
 * - client/api-types.ts: the types openapi-typescript makes, used by the typed client.
 *
 * `npm run openapi` (after editing openapi.yaml), `npm run openapi -- --check` (in the tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SOURCE = `${ROOT}openapi.yaml`;
export const DOCUMENT_JSON = `${ROOT}functions/generated/openapi.json`;
export const CLIENT_TYPES = `${ROOT}client/api-types.ts`;

const TYPES_BANNER = `/**
 * Generated from openapi.yaml by openapi-typescript (\`npm run openapi\`). Do not edit: the tests
 * fail when this file differs from a fresh generation.
 */

`;

/** The files and the text each should hold. */
export async function generate(): Promise<Array<{ file: string; text: string }>> {
  const document = parse(readFileSync(SOURCE, 'utf8')) as Record<string, unknown>;
  register('./openapi/typescript-5.mjs', import.meta.url);
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const { default: ts } = await import('typescript-5');
  // Bytes are Blobs for fetch and FormData (openapi-typescript's default would say string).
  const blob = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
  const ast = await openapiTS(structuredClone(document) as never, {
    transform: (schema) => (schema.format === 'binary' ? blob : undefined),
  });
  return [
    { file: DOCUMENT_JSON, text: `${JSON.stringify(document, null, 2)}\n` },
    { file: CLIENT_TYPES, text: TYPES_BANNER + astToString(ast) },
  ];
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const stale: string[] = [];
  for (const { file, text } of await generate()) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    if (check) stale.push(file.slice(ROOT.length));
    else writeFileSync(file, text);
  }
  if (stale.length > 0) {
    console.error(`Stale (run npm run openapi): ${stale.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
