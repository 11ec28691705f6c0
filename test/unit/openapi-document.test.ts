/**
 * openapi.yaml as a document: linted clean by Redocly, valid OpenAPI 3.1, the same routes as the
 * route table, and the files generated from it (functions/generated/openapi.json,
 * client/api-types.ts) equal to a fresh generation.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import generated from '../../functions/generated/openapi.json';
import { loadContract, loadDocument } from '../support/contract';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${ROOT}node_modules/.bin/`;

/**
 * Operations the document describes that no route of the table serves, each with the reason.
 * Keep this tiny: every entry is a route someone serves in another way.
 */
const SERVED_ELSEWHERE: Readonly<Record<string, string>> = {
  // HTTP: a HEAD is answered from the GET route's handler (CloudFront and the local gateway).
  'HEAD /image/{image_id}': 'answered with its GET route',
  // The console is static files (on AWS in the CDN distribution, locally from the local gateway).
  'GET /': 'the web console, static files',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

function documentOperations(document: Record<string, any>): string[] {
  const operations: string[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) if (METHODS.includes(method)) operations.push(`${method.toUpperCase()} ${path}`);
  }
  return operations.sort();
}

describe('openapi.yaml', () => {
  it('is linted clean by Redocly (recommended-strict, redocly.yaml)', async () => {
    const { stdout, stderr } = await run(`${BIN}redocly`, ['lint', 'openapi.yaml', '--format=stylish'], {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    // A finding of any severity makes it fail: warnings would pass silently otherwise.
    expect(`${stdout}\n${stderr}`).toMatch(/Your API description is valid/);
    expect(`${stdout}\n${stderr}`).not.toMatch(/\b(error|warning)\b\s/i);
  }, 120_000);

  it('is valid OpenAPI 3.1 (schema-checked and every $ref resolves)', async () => {
    const { document } = await loadContract();
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(JSON.stringify(document)).not.toContain('"$ref"');
  });

  it('names the same routes as the route table (apart from the few served elsewhere)', () => {
    const table = ROUTES.map((route) => `${route.method} ${route.path}`).sort();
    const described = documentOperations(loadDocument());
    const nowRouted = Object.keys(SERVED_ELSEWHERE).filter((operation) => table.includes(operation));
    expect(nowRouted, 'now in the route table: remove from SERVED_ELSEWHERE').toEqual([]);
    expect(described.filter((operation) => !(operation in SERVED_ELSEWHERE))).toEqual(table);
    // Every exception is still in the document (a stale entry would hide a removed route).
    for (const operation of Object.keys(SERVED_ELSEWHERE)) expect(described).toContain(operation);
    // HEAD is answered from GET only where there is a GET.
    for (const operation of Object.keys(SERVED_ELSEWHERE).filter((o) => o.startsWith('HEAD '))) {
      expect(table).toContain(operation.replace(/^HEAD /, 'GET '));
    }
  });

  it('gives public routes no security and the others a scheme (API key or the console session for images, session for the account)', () => {
    const document = loadDocument();
    for (const route of ROUTES) {
      const operation = document.paths[route.path][route.method.toLowerCase()];
      const security = operation.security ?? document.security;
      // The delete link sits under /api/images but is public: its token is the credential.
      if (route.path.startsWith('/api/account')) expect(security, route.path).toEqual([{ session: [] }]);
      else if (route.path.startsWith('/api/images') && route.auth !== 'none') expect(security, route.path).toEqual([{ apiKey: [] }, { session: [] }]);
      else expect(security, route.path).toEqual([]);
    }
  });

  it('is what the handler serves (functions/generated/openapi.json is current) and the client types are current', async () => {
    expect(generated).toEqual(loadDocument());
    // Regenerates both files in memory and compares them with the committed ones.
    const result = await run(`${BIN}tsx`, ['scripts/openapi.ts', '--check'], { cwd: ROOT }).catch((error: { stderr: string }) => error);
    expect('stderr' in result ? result.stderr : '').toBe('');
  }, 120_000);
});
