import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm run deploy` runs `cdk deploy` only after the preflight passed: here the preflight cannot
 * pass (no credentials anywhere), so the deploy stops before the CDK CLI starts.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'imager-deploy-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The environment of a machine with no AWS configuration at all (no keys, no profile files, no instance metadata). */
function withoutAws(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

describe('npm run deploy', () => {
  it('stops at a refusing preflight: exit 1, the reason printed, cdk deploy never started', () => {
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/deploy.ts', '--region', 'eu-west-1', '-c', 'IMAGER_HOURLY_LIMIT=5000'], {
      cwd: ROOT,
      env: withoutAws(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('REFUSE credentials: no AWS credentials for eu-west-1');
    expect(run.stdout).not.toContain('$ cdk deploy');
  });

  it('refuses a bad setting the same way, before asking AWS anything', () => {
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/deploy.ts', '-c', 'IMAGER_HOURLY_LIMIT=lots'], { cwd: ROOT, env: withoutAws(), encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toContain('REFUSE settings: IMAGER_HOURLY_LIMIT must be a positive integer, got "lots"');
    expect(run.stdout).not.toContain('$ cdk deploy');
  });
});
