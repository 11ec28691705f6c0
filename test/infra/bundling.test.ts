import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionDefinition } from '../../functions/function-table';
import { loadDocsPage } from '../../functions/runtime/docs-page';
import { EDGE_STORE_FILE, ROOT } from '../../lib/bundling';
import { ImagerStack } from '../../lib/imager-stack';
import { CDK_JSON_CONTEXT, checkedTemplate, logicalId } from './synth';

/**
 * The one synthesis with real bundling: NodejsFunction running the local esbuild (no Docker),
 * as `cdk synth` / `cdk deploy` and `sam local invoke` use it.
 */
/** Top-level ESM import statements of a minified bundle: `import x from"y"`, `import{a as b}from"y"`, `import"y"`. */
const STATIC_IMPORT = /(?:^|[;\n])\s*import\s*(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*\s*as\s*[\w$]+)?\s*(?:from\s*)?["']([^"']+)["']/g;

/** Every file under `dir`, recursively (an asset directory as it is zipped). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

let outdir: string;
let stack: ImagerStack;
let resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, any> }>;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'imager-synth-'));
  const app = new App({
    outdir,
    context: {
      ...CDK_JSON_CONTEXT,
      // The CLI sets this; it is what `sam local` reads to find each function's code.
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:disable-stack-trace': true,
    },
  });
  stack = new ImagerStack(app, 'Bundled');
  resources = checkedTemplate(stack).toJSON().Resources;
}, 360_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

describe('bundled functions', () => {
  it('every Imager function points at a built asset directory with an ESM index.mjs that bundles the AWS SDK', () => {
    const names = Object.keys(stack.functions) as Array<keyof ImagerStack['functions']>;
    expect(names).toHaveLength(34);
    const assetPaths = new Set<string>();
    for (const name of names) {
      const resource = resources[logicalId(stack.functions[name])];
      expect(resource.Type).toBe('AWS::Lambda::Function');
      expect(resource.Metadata?.['aws:asset:property'], name).toBe('Code');
      expect(resource.Metadata?.['aws:asset:is-bundled'], name).toBe(true);
      const assetPath = resource.Metadata?.['aws:asset:path'] as string;
      expect(assetPath, name).toMatch(/^asset\.[0-9a-f]{64}$/);
      assetPaths.add(assetPath);

      const dir = join(outdir, assetPath);
      expect(statSync(dir).isDirectory(), name).toBe(true);
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.length, name).toBeGreaterThan(1000);
      // Handler `index.handler` exists as an ES module export (checked without printing megabytes).
      expect(resource.Properties.Handler).toBe('index.handler');
      expect(/export\s*\{[^}]*\bhandler\s*[,}]/.test(bundle), `${name} exports handler`).toBe(true);
      // Everything but Node built-ins is inside the bundle: the AWS SDK we test is the one that runs.
      const imported = [...bundle.matchAll(STATIC_IMPORT)].map((m) => m[1]);
      expect(imported, name).toContain('module'); // the createRequire banner: proves the scan sees imports
      // Except sharp where the entry installs it beside the bundle (native: AnalyzeImage).
      const beside = functionDefinition(name).bundling === 'sharp' ? ['sharp'] : [];
      expect([...new Set(imported.filter((specifier) => !isBuiltin(specifier)))], name).toEqual(beside);
      for (const module of beside) expect(existsSync(join(dir, 'node_modules', module, 'package.json')), `${name}: ${module} beside the bundle`).toBe(true);
      // ViewImage sends no request at all (a redirect to the CDN), nor do the reference functions
      // (their content is inside their asset): they must not carry a client either.
      const sendsRequests = !['ViewImage', 'GetOpenApi', 'GetDocs'].includes(name);
      expect(/DynamoDBClient|S3Client|CloudFrontClient/.test(bundle), `${name} bundles the SDK clients it sends with`).toBe(sendsRequests);
      // The reference: the document (openapi.yaml as JSON) is in the bundle, the Redoc bundle beside it.
      if (name === 'GetOpenApi') expect(bundle).toContain('"Imager API"');
      if (name === 'GetDocs') expect(readFileSync(join(dir, 'docs.page'), 'utf8')).toContain('Redoc.init(');
      expect(existsSync(join(dir, 'index.mjs.map')), name).toBe(true);
      // A bundle that loads the KeyValueStore edge store on demand carries it, and only those do;
      // the store's client is then in that file alone, not parsed with index.mjs at every start.
      const carriesEdgeStore = functionDefinition(name).bundling === 'edge-store';
      expect(bundle.includes(EDGE_STORE_FILE), `${name} names ${EDGE_STORE_FILE}`).toBe(carriesEdgeStore);
      expect(existsSync(join(dir, EDGE_STORE_FILE)), `${name} carries ${EDGE_STORE_FILE}`).toBe(carriesEdgeStore);
      if (carriesEdgeStore) {
        expect(bundle, name).not.toContain('com.amazonaws.cloudfrontkeyvaluestore');
        const side = readFileSync(join(dir, EDGE_STORE_FILE), 'utf8');
        expect(side).toContain('com.amazonaws.cloudfrontkeyvaluestore');
        expect([...new Set([...side.matchAll(STATIC_IMPORT)].map((m) => m[1]).filter((specifier) => !isBuiltin(specifier)))], `${name}: ${EDGE_STORE_FILE}`).toEqual([]);
        expect(existsSync(join(dir, `${EDGE_STORE_FILE}.map`)), name).toBe(true);
      }
    }
    // One bundle per function, none shared by accident.
    expect(assetPaths.size).toBe(names.length);
  });

  it('the reference functions answer from their built assets alone (no node_modules, no YAML)', async () => {
    const assetDir = (name: 'GetDocs' | 'GetOpenApi') =>
      join(outdir, resources[logicalId(stack.functions[name])].Metadata?.['aws:asset:path'] as string);
    // The assets sit in a temp dir with no node_modules above them, like /var/task: the page comes from docs.html.
    expect(existsSync(join(assetDir('GetDocs'), 'redoc.standalone.js'))).toBe(false);
    const docs = await import(pathToFileURL(join(assetDir('GetDocs'), 'index.mjs')).href);
    const page = await docs.handler();
    expect(page.statusCode).toBe(200);
    expect(page.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain("Redoc.init('api/openapi.json'");
    expect(page.body.length).toBeGreaterThan(500_000);
    // The page built into the asset is the one the handler builds from the npm package (local mode).
    const built = loadDocsPage(pathToFileURL(join(ROOT, 'functions', 'get-docs.ts')).href);
    expect(page.body === built.html).toBe(true);
    expect(page.headers['Content-Security-Policy']).toBe(built.csp);

    const openapi = await import(pathToFileURL(join(assetDir('GetOpenApi'), 'index.mjs')).href);
    const event = JSON.parse(readFileSync(new URL('../../events/get-openapi.json', import.meta.url), 'utf8'));
    const served = await openapi.handler(event);
    expect(served.statusCode).toBe(200);
    const document = JSON.parse(served.body);
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.servers).toEqual([{ url: 'https://abc123defg.execute-api.us-east-1.amazonaws.com/v1', description: 'This API' }]);
  });

  it('the upload functions load their KeyValueStore edge store from the file beside their bundle, with the bundled credentials', async () => {
    for (const name of ['UploadImage', 'StartUpload'] as const) {
      const dir = join(outdir, resources[logicalId(stack.functions[name])].Metadata?.['aws:asset:path'] as string);
      const { keyValueEdgeStore } = await import(pathToFileURL(join(dir, EDGE_STORE_FILE)).href);
      const store = keyValueEdgeStore('arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789');
      expect(typeof store.update, name).toBe('function');
    }
  });

  it('every function asset is within the Lambda deployment package quotas: 250 MB unzipped, 50 MB zipped', () => {
    const assets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path']);
    expect(assets.length).toBeGreaterThan(16);
    for (const [id, resource] of assets) {
      const files = filesUnder(join(outdir, resource.Metadata!['aws:asset:path'] as string));
      const unzipped = files.reduce((sum, file) => sum + statSync(file).size, 0);
      // A zip stores each file deflated plus its headers: deflate each, with a generous 200 bytes per entry.
      const zipped = files.reduce((sum, file) => sum + deflateRawSync(readFileSync(file)).length + 200, 0);
      expect(unzipped, id).toBeLessThanOrEqual(250 * 1024 * 1024);
      expect(zipped, id).toBeLessThanOrEqual(50 * 1024 * 1024);
    }
  });

  it('the code S3 key of every function is its asset hash', () => {
    for (const fn of Object.values(stack.functions)) {
      const resource = resources[logicalId(fn)];
      const hash = (resource.Metadata?.['aws:asset:path'] as string).replace(/^asset\./, '');
      expect(resource.Properties.Code.S3Key).toBe(`${hash}.zip`);
    }
  });

  it('the console deployment ships the Vite build of web/ (index.html and hashed assets) beside its config.json', () => {
    const deployments = Object.values(resources).filter((r) => r.Type === 'Custom::CDKBucketDeployment');
    expect(deployments).toHaveLength(1);
    const keys = (deployments[0].Properties.SourceObjectKeys as string[]).filter((key) => /^[0-9a-f]{64}\.zip$/.test(key));
    const built = keys.map((key) => join(outdir, `asset.${key.replace(/\.zip$/, '')}`)).filter((dir) => existsSync(join(dir, 'index.html')));
    expect(built).toHaveLength(1);
    const html = readFileSync(join(built[0], 'index.html'), 'utf8');
    const script = /<script type="module" crossorigin src="\/assets\/(index-[\w-]+\.js)"/.exec(html);
    expect(script, 'index.html loads the bundled module').not.toBeNull();
    expect(readFileSync(join(built[0], 'assets', script![1]), 'utf8')).toContain('CognitoIdentityServiceProvider');
  });
});
