import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { ROOT, type ShippedFunction } from './synth';

/** The package an input file belongs to (`@aws-sdk/client-s3`), or the project folder. */
function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return `(imager) ${parts.length > 1 ? `${parts[0]}/` : input}`;
  const first = parts[at + 1];
  return first.startsWith('@') ? `${first}/${parts[at + 2]}` : first;
}

/**
 * The esbuild options lib/imager-function.ts gives NodejsFunction (which runs the esbuild CLI
 * with them). Kept in step by `identicalToShipped` below, which compares the output bytes.
 */
const STACK_BUNDLING = {
  absWorkingDir: ROOT,
  bundle: true,
  target: 'node22',
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" },
  logLevel: 'silent',
} as const satisfies BuildOptions;

/**
 * The functions' own bundling: the same options plus what lib/imager-function.ts adds for the
 * Lambda runtime (Node 24 target, env-only credential provider). References keep the stock
 * options above, so they stay comparable with docs/performance.md's stock clients.
 */
const FUNCTION_BUNDLING = {
  ...STACK_BUNDLING,
  target: 'node24',
  alias: { '@aws-sdk/credential-provider-node': join(ROOT, 'functions/runtime/lambda-credentials.ts') },
} as const satisfies BuildOptions;

/** The stock SDK clients a reference may create: variable, class, package. */
const CLIENTS = {
  apigateway: ['APIGatewayClient', '@aws-sdk/client-api-gateway'],
  cloudfront: ['CloudFrontClient', '@aws-sdk/client-cloudfront'],
  keyvaluestore: ['CloudFrontKeyValueStoreClient', '@aws-sdk/client-cloudfront-keyvaluestore'],
  dynamodb: ['DynamoDBClient', '@aws-sdk/client-dynamodb'],
  s3: ['S3Client', '@aws-sdk/client-s3'],
  sqs: ['SQSClient', '@aws-sdk/client-sqs'],
  cognito: ['CognitoIdentityProviderClient', '@aws-sdk/client-cognito-identity-provider'],
} as const;

/** A handler that only creates these clients (and imports the presigner, if asked) and answers. */
function clientsOnly(clients: ReadonlyArray<keyof typeof CLIENTS>, presigner = false, sigv4a = false): string {
  const imports = clients.map((client) => `import { ${CLIENTS[client][0]} } from '${CLIENTS[client][1]}';`);
  if (sigv4a) imports.push("import '@aws-sdk/signature-v4a';");
  if (presigner) imports.push("import { getSignedUrl } from '@aws-sdk/s3-request-presigner';");
  const created = clients.map((client) => `const ${client} = new ${CLIENTS[client][0]}({});`);
  const used = [...clients, ...(presigner ? ['getSignedUrl'] : [])].join(' && ');
  return [...imports, ...created, `export const handler = async () => ({ statusCode: 200, body: String(Boolean(${used})) });`].join('\n');
}

/**
 * Reference points for the cold-start table, bundled like the stack bundles ours: handlers that
 * only create the SDK clients (docs/performance.md quotes the same two) or only the shared logger. What a
 * function costs above them is our code and the rest of its dependencies.
 */
export const REFERENCE_HANDLERS: Record<string, string> = {
  '(reference) DynamoDB client only': clientsOnly(['dynamodb']),
  '(reference) DynamoDB + S3 clients': clientsOnly(['dynamodb', 's3']),
  // The same source built into its own file and measured as another subject: how far apart the
  // method puts two identical bundles (its resolution), printed beside the ratios.
  '(control) DynamoDB + S3 clients, built and measured again': clientsOnly(['dynamodb', 's3']),
  // docs/performance.md's "S3 + presigner + DynamoDB" bundle, for the calibration block.
  '(reference) DynamoDB + S3 clients + presigner': clientsOnly(['dynamodb', 's3'], true),
  '(reference) DynamoDB + API Gateway clients': clientsOnly(['apigateway', 'dynamodb']),
  // The edge rules' writers: the KeyValueStore client (with its SigV4A signer, which it cannot send without).
  '(reference) DynamoDB + KeyValueStore clients': clientsOnly(['dynamodb', 'keyvaluestore'], false, true),
  '(reference) DynamoDB + S3 + KeyValueStore clients': clientsOnly(['dynamodb', 's3', 'keyvaluestore'], false, true),
  // The webhook queue's senders and its worker (docs/webhooks.md), and account deletion's two (docs/account-deletion.md).
  '(reference) DynamoDB + SQS clients': clientsOnly(['dynamodb', 'sqs']),
  '(reference) DynamoDB + S3 + SQS clients': clientsOnly(['dynamodb', 's3', 'sqs']),
  '(reference) DynamoDB + S3 + KeyValueStore + SQS clients': clientsOnly(['dynamodb', 's3', 'keyvaluestore', 'sqs'], false, true),
  '(reference) DynamoDB + S3 + API Gateway + Cognito clients': clientsOnly(['apigateway', 'cognito', 'dynamodb', 's3']),
  '(reference) DynamoDB + S3 + KeyValueStore + SQS + API Gateway + Cognito clients': clientsOnly(['apigateway', 'cognito', 'dynamodb', 's3', 'keyvaluestore', 'sqs'], false, true),
  // Floors of the functions that send no request: nothing, or the content they must serve, and
  // nothing else (bundled like the others, so with the stack's createRequire banner).
  '(reference) no client (empty handler bundled like the stack)': `export const handler = async () => ({ statusCode: 200, body: '{}' });`,
  '(reference) the OpenAPI document only': `import document from ${JSON.stringify(join(ROOT, 'functions/generated/openapi.json'))};
export const handler = async () => ({ statusCode: 200, body: JSON.stringify(document) });`,
  '(reference) reads the Redoc page only': `import { readFileSync } from 'node:fs';
const page = readFileSync(${JSON.stringify(join(ROOT, 'node_modules/redoc/bundles/redoc.standalone.js'))}, 'utf8');
export const handler = async () => ({ statusCode: 200, body: page });`,
  '(reference) Powertools logger only': `import { Logger } from '@aws-lambda-powertools/logger';
const logger = new Logger({ serviceName: 'imager' });
export const handler = async () => ({ statusCode: 200, body: String(Boolean(logger)) });`,
};

export interface ReferenceBundle {
  readonly name: string;
  readonly bundle: string;
  readonly bundleBytes: number;
}

/** Builds the reference handlers with the stack's esbuild options into `dir`. */
export async function buildReferences(dir: string): Promise<ReferenceBundle[]> {
  const references: ReferenceBundle[] = [];
  for (const [index, [name, contents]] of Object.entries(REFERENCE_HANDLERS).entries()) {
    const outdir = join(dir, `reference-${index}`);
    mkdirSync(outdir, { recursive: true });
    const bundle = join(outdir, 'index.mjs');
    await build({ ...STACK_BUNDLING, stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'reference.ts' }, outfile: bundle });
    references.push({ name, bundle, bundleBytes: statSync(bundle).size });
  }
  return references;
}

export interface BundleSummary {
  /** Bytes of the rebuilt bundle, and whether it is byte-identical to the shipped one. */
  readonly rebuiltBytes: number;
  readonly identicalToShipped: boolean;
  readonly inputFiles: number;
  readonly packages: number;
  /** Bytes in the output from @aws-sdk/* and @smithy/* together. */
  readonly awsSdkBytes: number;
  readonly top: ReadonlyArray<{ readonly package: string; readonly bytes: number; readonly files: number }>;
}

/**
 * What a bundle pulls in. The stack's bundling (lib/imager-function.ts) is rebuilt here with the
 * same esbuild options plus a metafile; `identicalToShipped` proves the rebuild is the bundle
 * that ships (if lib/imager-function.ts changes its options, this says so instead of lying).
 */
export async function summariseBundle(fn: ShippedFunction): Promise<BundleSummary> {
  const result = await build({
    ...FUNCTION_BUNDLING,
    entryPoints: [join(ROOT, 'functions', `${fn.file}.ts`)],
    outfile: join(ROOT, 'bench-rebuild', 'index.mjs'),
    write: false,
    metafile: true,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('index.mjs'));
  if (!js) throw new Error(`${fn.file}: esbuild produced no index.mjs`);
  const shipped = readFileSync(fn.bundle);
  const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
  const output = Object.entries((result.metafile as Metafile).outputs).find(([path]) => path.endsWith('index.mjs'))![1];
  const byPackage = new Map<string, { bytes: number; files: number }>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    const entry = byPackage.get(name) ?? { bytes: 0, files: 0 };
    entry.bytes += bytesInOutput;
    entry.files += 1;
    byPackage.set(name, entry);
  }
  const ranked = [...byPackage.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
  return {
    rebuiltBytes: js.contents.byteLength,
    identicalToShipped: digest(js.contents) === digest(shipped),
    inputFiles: Object.keys(output.inputs).length,
    packages: byPackage.size,
    awsSdkBytes: ranked.filter(([name]) => name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')).reduce((sum, [, v]) => sum + v.bytes, 0),
    top: ranked.slice(0, 8).map(([name, v]) => ({ package: name, bytes: v.bytes, files: v.files })),
  };
}
