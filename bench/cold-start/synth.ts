import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionName } from '../../functions/function-table';
import { BENCH_RESOURCES } from '../lib/environment';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A function of the synthesized stack and the bundle CloudFormation would ship for it. */
export interface ShippedFunction {
  /** Its name in the function table (functions/function-table.ts), e.g. `GetImage`. */
  readonly name: FunctionName;
  readonly logicalId: string;
  /** Entry file in functions/, without extension (from the function table). */
  readonly file: string;
  readonly bundle: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** Environment from the template; resource references replaced by the bench's names. */
  readonly environment: Record<string, string>;
}

/** Runs `cdk synth` (which bundles every function with the stack's own esbuild settings). */
export async function synthesize(outdir: string): Promise<void> {
  const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(cdk, ['synth', '-q', '--no-notices', '-o', outdir], {
      cwd: ROOT,
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`cdk synth failed (${code}):\n${Buffer.concat(output).toString('utf8').slice(-4000)}`);
}

/** The table name of a function from its construct path (`Imager/Default/GetImage/Resource` -> `GetImage`). */
function tableNameOf(constructPath: string | undefined): FunctionName | undefined {
  const parts = (constructPath ?? '').split('/');
  const name = parts.at(-1) === 'Resource' ? parts.at(-2) : undefined;
  return name !== undefined && Object.hasOwn(FUNCTIONS, name) ? (name as FunctionName) : undefined;
}

/**
 * Maps each Lambda function of the template to its asset's index.mjs (`aws:asset:path`).
 * `withNativeModules` keeps the functions whose asset ships a native module built for Lambda
 * (TransformImage's linux-arm64 sharp), for a run on that platform (test/platform/).
 */
export function shippedFunctions(outdir: string, { withNativeModules = false }: { readonly withNativeModules?: boolean } = {}): ShippedFunction[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stack = Object.values(manifest.artifacts).find((a) => a.type === 'aws:cloudformation:stack');
  const templateFile = stack?.properties?.templateFile;
  if (!templateFile) throw new Error('no stack in the cloud assembly');
  const template = JSON.parse(readFileSync(join(outdir, templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Metadata?: Record<string, string>; Properties: Record<string, any> }>;
  };
  const functions: ShippedFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const assetPath = resource.Metadata?.['aws:asset:path'];
    const bundle = assetPath ? join(outdir, assetPath, 'index.mjs') : undefined;
    // CDK's own helpers (bucket notifications) carry inline code, not one of our bundles.
    if (!bundle || !existsSync(bundle)) continue;
    // The transform function ships sharp built for linux-arm64 beside its bundle: it cannot load
    // on this machine as shipped, and `--only transforms` measures its cold start instead.
    if (!withNativeModules && existsSync(join(outdir, assetPath!, 'node_modules', 'sharp'))) continue;
    const name = tableNameOf(resource.Metadata?.['aws:cdk:path']);
    if (!name) throw new Error(`${logicalId}: a bundled function that is not in the function table (${resource.Metadata?.['aws:cdk:path']})`);
    const variables = (resource.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      if (typeof value === 'string') environment[key] = value;
      else if (Object.hasOwn(BENCH_RESOURCES, key)) environment[key] = BENCH_RESOURCES[key as keyof typeof BENCH_RESOURCES];
      else throw new Error(`${logicalId}: environment ${key} is not a string and has no bench name`);
    }
    const map = `${bundle}.map`;
    functions.push({
      name,
      logicalId,
      file: FUNCTIONS[name].file,
      bundle,
      bundleBytes: statSync(bundle).size,
      sourceMapBytes: existsSync(map) ? statSync(map).size : 0,
      environment,
    });
  }
  return functions.sort((a, b) => a.name.localeCompare(b.name));
}
