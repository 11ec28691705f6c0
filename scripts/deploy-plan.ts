import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STACK_API_KEYS } from '../functions/core/account-meters';
import { type ContextSource, readStackSettings } from '../functions/core/config';
import { reservedConcurrencyTotal } from '../functions/function-table';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * What a `cdk deploy` of Imager would ask of the account, worked out without synthesizing:
 * the settings through the one settings reader (functions/core/config.ts) from the same
 * context the CDK reads (cdk.json, cdk.context.json, `-c NAME=value`), and the reservations
 * from the function table. test/infra/deploy-plan.test.ts holds these numbers to the template.
 */
export interface DeployPlan {
  readonly stackName: string;
  /** Concurrent executions the stack's functions reserve in all; 0 with reservations off. */
  readonly reservedConcurrency: number;
  /** The setting as it stands, for messages: `IMAGER_RESERVED_CONCURRENCY=true`. */
  readonly reservationSetting: string;
  /** API Gateway API keys the template itself creates (keys for accounts come later, one by one). */
  readonly apiKeysAdded: number;
  /** The SES sender of sign-up emails; undefined: Cognito's own sender. */
  readonly sesFromEmail?: string;
}

/**
 * API keys the stack's template creates: one, the console sessions' meter (lib/api.ts). Every
 * other key is made at run time, one per account with keys (docs/quotas.md).
 */
export const API_KEYS_IN_TEMPLATE = STACK_API_KEYS;

/** The stack `bin/imager.ts` deploys. */
export const DEFAULT_STACK_NAME = 'Imager';

/** CDK's toolkit stack, made by `cdk bootstrap` (the CLI's `--toolkit-stack-name` default). */
export const DEFAULT_TOOLKIT_STACK_NAME = 'CDKToolkit';

type Context = Readonly<Record<string, unknown>>;

function contextOf(file: string, pick: (json: Record<string, unknown>) => unknown): Context {
  if (!existsSync(file)) return {};
  const value = pick(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
  return (value && typeof value === 'object' ? value : {}) as Context;
}

/**
 * The CDK context as the CLI assembles it for this project: cdk.json's `context`, then
 * cdk.context.json, then the command line's `-c NAME=value` pairs, each over the one before.
 */
export function cdkContext(commandLine: Context = {}, root = ROOT): ContextSource {
  const merged: Context = {
    ...contextOf(join(root, 'cdk.json'), (json) => json.context),
    ...contextOf(join(root, 'cdk.context.json'), (json) => json),
    ...commandLine,
  };
  return { tryGetContext: (name) => merged[name] };
}

/** The plan of a deploy of `stackName` with `context`; a bad setting throws the reader's ConfigError. */
export function deployPlan(context: ContextSource, stackName = DEFAULT_STACK_NAME): DeployPlan {
  const settings = readStackSettings(context);
  return {
    stackName,
    reservedConcurrency: settings.reservedConcurrency ? reservedConcurrencyTotal() : 0,
    reservationSetting: `IMAGER_RESERVED_CONCURRENCY=${settings.reservedConcurrency}`,
    apiKeysAdded: API_KEYS_IN_TEMPLATE,
    ...(settings.sesFromEmail ? { sesFromEmail: settings.sesFromEmail } : {}),
  };
}

/** `NAME=value` of `-c` / `--context`; the value may itself hold `=`. */
export function contextPair(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at < 1) throw new TypeError(`-c needs NAME=value, got "${text}"`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** What `npm run deploy -- ...` was given: ours, and what goes on to `cdk deploy` unchanged. */
export interface DeployArguments {
  readonly region?: string;
  readonly profile?: string;
  readonly stackName: string;
  readonly toolkitStackName: string;
  readonly context: Readonly<Record<string, string>>;
  /** Everything for `cdk deploy`, `-c`, `--profile` and `--toolkit-stack-name` included; `--region` is passed as AWS_REGION. */
  readonly cdkArgs: readonly string[];
}

/**
 * Splits the deploy command's arguments. `--region R` (the CDK CLI has none: it reads
 * AWS_REGION) and `--stack NAME` (given to cdk as the stack to deploy) are ours; `-c`,
 * `--context`, `--profile` and `--toolkit-stack-name` are read and passed on; the rest is
 * passed on as it is.
 */
export function parseDeployArguments(argv: readonly string[]): DeployArguments {
  const context: Record<string, string> = {};
  const cdkArgs: string[] = [];
  let region: string | undefined;
  let profile: string | undefined;
  let stackName = DEFAULT_STACK_NAME;
  let toolkitStackName = DEFAULT_TOOLKIT_STACK_NAME;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const takesValue = ['--region', '--stack', '-c', '--context', '--profile', '--toolkit-stack-name'].includes(flag);
    if (!takesValue) {
      cdkArgs.push(arg);
      continue;
    }
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value.startsWith('-')) throw new TypeError(`${flag} needs a value`);
    if (flag === '--region') region = value;
    else if (flag === '--stack') stackName = value;
    else {
      if (flag === '-c' || flag === '--context') {
        const [name, contextValue] = contextPair(value);
        context[name] = contextValue;
      } else if (flag === '--profile') profile = value;
      else toolkitStackName = value;
      cdkArgs.push(flag, value);
    }
  }
  return { region, profile, stackName, toolkitStackName, context, cdkArgs: [stackName, ...cdkArgs] };
}
