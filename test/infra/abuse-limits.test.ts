import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, FUNCTION_NAMES, FUNCTIONS, reservedConcurrencyTotal, unreservedFunctions } from '../../functions/function-table';
import { ROUTES } from '../../functions/routes';
import { resourcePaths } from '../../lib/api';
import { logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

/**
 * Unauthenticated floods and random bearer tokens are bounded by stage and
 * method throttles and by reserved concurrency, not only per key.
 */
let synth: Synthesized;
/** With reservations turned on (they are off by default: docs/quotas.md). */
let reserving: Synthesized;
beforeAll(() => {
  synth = synthImager();
  reserving = synthImager({ IMAGER_RESERVED_CONCURRENCY: 'true' });
});

interface MethodSetting {
  readonly HttpMethod: string;
  readonly ResourcePath: string;
  readonly ThrottlingRateLimit?: number;
  readonly ThrottlingBurstLimit?: number;
}

function methodSettings(s: Synthesized): MethodSetting[] {
  const stages = Object.values(resourcesOfType(s.template, 'AWS::ApiGateway::Stage'));
  expect(stages).toHaveLength(1);
  return stages[0].Properties.MethodSettings as MethodSetting[];
}

const encoded = (path: string): string => (path === '/' ? '/' : `/${path.replaceAll('/', '~1')}`);

describe('stage and method throttling', () => {
  it('throttles every method of the stage (/*/*), which bounds the authorizer path too', () => {
    const all = methodSettings(synth).find((m) => m.ResourcePath === '/*' && m.HttpMethod === '*');
    expect(all).toMatchObject({ ThrottlingRateLimit: 250, ThrottlingBurstLimit: 500 });
    // Every authenticated method inherits it: none has a setting of its own that lifts it.
    for (const route of ROUTES.filter((r) => r.auth !== 'none')) {
      const own = methodSettings(synth).find((m) => m.ResourcePath === encoded(route.path) && m.HttpMethod === route.method);
      expect(own).toBeUndefined();
    }
  });

  it('gives each unauthenticated method (the public view, every CORS preflight) its own lower throttle', () => {
    const settings = methodSettings(synth);
    const publicMethods = [
      ...ROUTES.filter((r) => r.auth === 'none').map((r) => ({ path: r.path, method: r.method })),
      ...resourcePaths().map((path) => ({ path, method: 'OPTIONS' })),
    ];
    expect(publicMethods.length).toBeGreaterThan(5);
    for (const { path, method } of publicMethods) {
      const setting = settings.find((m) => m.ResourcePath === encoded(path) && m.HttpMethod === method);
      expect(setting, `${method} ${path}`).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    }
    // Every OPTIONS method the API really has is covered.
    const methods = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Method')).filter((m) => m.Properties.HttpMethod === 'OPTIONS');
    expect(methods).toHaveLength(resourcePaths().length);
  });

  it('takes the throttles from context', () => {
    const custom = synthImager({ IMAGER_API_THROTTLE_RATE: '40', IMAGER_API_THROTTLE_BURST: '80', IMAGER_PUBLIC_THROTTLE_RATE: '5', IMAGER_PUBLIC_THROTTLE_BURST: '10' });
    const settings = methodSettings(custom);
    expect(settings.find((m) => m.ResourcePath === '/*')).toMatchObject({ ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 });
    expect(settings.find((m) => m.ResourcePath === '/~1image~1{image_id}' && m.HttpMethod === 'GET')).toMatchObject({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(() => synthImager({ IMAGER_PUBLIC_THROTTLE_RATE: 'lots' })).toThrow(/IMAGER_PUBLIC_THROTTLE_RATE/);
  });
});

describe('reserved concurrency', () => {
  /** What the template reserves, over every Lambda function in it. */
  function templateTotal(s: Synthesized): number {
    return Object.values(resourcesOfType(s.template, 'AWS::Lambda::Function')).reduce(
      (sum, fn) => sum + ((fn.Properties.ReservedConcurrentExecutions as number | undefined) ?? 0),
      0,
    );
  }

  it('reserves nothing by default: a new account (a concurrency limit of 10, at least 100 kept unreserved below 1,000) can deploy', () => {
    const lambdas = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::Function'));
    expect(lambdas.length).toBeGreaterThan(FUNCTION_NAMES.length);
    expect(lambdas.filter((fn) => fn.Properties.ReservedConcurrentExecutions !== undefined)).toEqual([]);
    expect(templateTotal(synth)).toBe(0);
  });

  /**
   * The functions that share the unreserved pool even with reservations on: small, rarely called
   * account routes, so the total stays at most 500 (each with its reason in docs/quotas.md).
   * Adding one here is a decision, not a way out of the total.
   */
  const UNRESERVED: readonly FunctionName[] = ['DeleteAccount', 'WebhookEndpoints'];

  it('when turned on, reserves concurrency for every function but the named unreserved ones, leaving the account\'s unreserved pool at least 100 of the default 1,000', () => {
    const functions = reserving.stack.allFunctions;
    const resources = reserving.template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>;
    expect(unreservedFunctions().sort()).toEqual([...UNRESERVED].sort());
    let total = 0;
    for (const name of FUNCTION_NAMES) {
      const reserved = resources[logicalId(functions[name])].Properties.ReservedConcurrentExecutions;
      if (UNRESERVED.includes(name)) {
        expect(reserved, `${name} runs unreserved`).toBeUndefined();
        continue;
      }
      expect(reserved, `${name}: give it a number in the function table`).toBe(FUNCTIONS[name].reservedConcurrency);
      expect(reserved as number).toBeGreaterThan(0);
      total += reserved as number;
    }
    expect(total).toBeLessThanOrEqual(1000 - 100 - 400);
    // The table's total is the template's: no function reserves anywhere else.
    expect(reservedConcurrencyTotal()).toBe(total);
    expect(templateTotal(reserving)).toBe(total);
    // The sweep runs alone: two at once would work the same positions twice.
    expect(resources[logicalId(functions.Sweep)].Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('is documented as the template has it: each function with its number, the total, and what it leaves unreserved', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const markdown = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? markdown(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
      );
    const lines = [join(root, 'README.md'), ...markdown(join(root, 'docs'))].flatMap((file) => readFileSync(file, 'utf8').split('\n'));
    const total = templateTotal(reserving);
    const rows = lines.filter((line) => /reserved concurrency per function/i.test(line) && /\bin all\b/.test(line));
    expect(rows.length, 'a line listing the reserved concurrency per function and its total ("N in all")').toBeGreaterThan(0);
    for (const row of rows) {
      expect(Number(/(\d[\d,]*) in all/.exec(row)![1].replaceAll(',', ''))).toBe(total);
      for (const name of FUNCTION_NAMES) expect(row, name).toMatch(new RegExp(`\\b${name} ${FUNCTIONS[name].reservedConcurrency}\\b`));
      // An unreserved function says why, in parentheses after its name.
      for (const name of UNRESERVED) expect(row, name).toMatch(new RegExp(`\\b${name} unreserved \\([^)]+\\)`));
    }
    // The limits and the deploy guide name them too.
    for (const doc of ['docs/limits.md', 'docs/deploy.md']) {
      const text = readFileSync(join(root, doc), 'utf8');
      for (const name of UNRESERVED) expect(text, `${doc}: ${name}`).toMatch(new RegExp(`\\b${name}\\b`));
    }
    for (const line of lines) {
      const unreserved = /(\d[\d,]*) of an account's default 1,000/.exec(line);
      if (unreserved) expect(Number(unreserved[1].replaceAll(',', '')), line).toBe(1000 - total);
    }
  });

  it('is documented as off by default, with the total it needs when turned on', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const configuration = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    expect(configuration).toMatch(/\| `IMAGER_RESERVED_CONCURRENCY` \| `false` \|/);
    const deploy = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
    expect(deploy).toContain(`-c IMAGER_RESERVED_CONCURRENCY=true`);
    expect(deploy).toContain(`${(reservedConcurrencyTotal() + 100).toLocaleString('en-US')}`);
  });

  it('can be turned off explicitly, and refuses anything but true or false', () => {
    const off = synthImager({ IMAGER_RESERVED_CONCURRENCY: 'false' });
    expect(templateTotal(off)).toBe(0);
    expect(() => synthImager({ IMAGER_RESERVED_CONCURRENCY: 'maybe' })).toThrow(/IMAGER_RESERVED_CONCURRENCY/);
  });
});

describe('the cdk-nag reason for running without WAF', () => {
  it('names the stage throttles and reserved concurrency, not only per-key limits', () => {
    const stage = synth.stack.api.api.deploymentStage;
    const acknowledged = JSON.stringify(stage.node.metadata);
    expect(acknowledged).toContain('AwsSolutions-APIG3');
    expect(acknowledged).toMatch(/stage and method throttles/);
    expect(acknowledged).toMatch(/reserved concurrency/);
    expect(acknowledged).not.toMatch(/Abuse is limited per key by/);
  });
});
