import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDeployArguments } from './deploy-plan';
import { preflight } from './preflight-cli';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm run deploy -- [--region R] [--stack NAME] [-c NAME=value ...] [cdk deploy options]`:
 * the preflight with the same settings, then `cdk deploy` of the stack only if nothing refused
 * (docs/deploy.md). `--region` reaches the CDK CLI as AWS_REGION, which it reads.
 */
async function main(argv: string[]): Promise<number> {
  const args = parseDeployArguments(argv);
  const passed = await preflight({ region: args.region, profile: args.profile, stackName: args.stackName, toolkitStackName: args.toolkitStackName, context: args.context });
  if (!passed) return 1;
  const env = { ...process.env, ...(args.region ? { AWS_REGION: args.region, AWS_DEFAULT_REGION: args.region } : {}) };
  const cdk = join(ROOT, 'node_modules', '.bin', 'cdk');
  console.log(`\n$ cdk deploy ${args.cdkArgs.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cdk, ['deploy', ...args.cdkArgs], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof TypeError ? error.message : `deploy failed: ${(error as Error).message}`);
    process.exit(2);
  },
);
