import { type APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { type CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { API_KEYS_ALARM_SHARE, API_KEYS_PER_REGION, STACK_API_KEYS } from '../functions/core/account-meters';
import type { DeployPlan } from './deploy-plan';

export { API_KEYS_PER_REGION };

/**
 * The preflight: what the account and region allow, read before `cdk deploy`, against what the
 * deploy would ask (docs/deploy.md#preflight). A check that would make CloudFormation fail
 * refuses, naming the number and the setting; one that would only hurt later is a note.
 */

/** Lambda keeps at least this many concurrent executions unreserved in every account and region. */
export const LAMBDA_UNRESERVED_MINIMUM = 100;
/** The default Lambda concurrency of an account (new accounts may get far less). */
export const LAMBDA_DEFAULT_CONCURRENCY = 1000;
/** The share of the API key ceiling from which the preflight speaks up: the stack's alarm's (ApiGatewayKeysCeiling). */
export const API_KEYS_WARNING_SHARE = API_KEYS_ALARM_SHARE;
/** What Cognito's own email sender allows a user pool per day. */
export const COGNITO_DEFAULT_EMAILS_PER_DAY = 50;
/** The oldest `cdk bootstrap` whose resources a CDK v2 template accepts (its CheckBootstrapVersion rule). */
export const MIN_BOOTSTRAP_VERSION = 6;

export type Verdict = 'ok' | 'note' | 'refuse';

export interface Finding {
  readonly check: 'bootstrap' | 'stack' | 'lambda-concurrency' | 'api-keys' | 'email';
  readonly verdict: Verdict;
  readonly message: string;
}

export interface PreflightClients {
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly apiGateway: Pick<APIGatewayClient, 'send'>;
  readonly ses: Pick<SESv2Client, 'send'>;
}

export interface PreflightTarget {
  readonly region: string;
  readonly toolkitStackName: string;
}

const QUOTA_HINT = 'Service Quotas > AWS Lambda > "Concurrent executions" (L-B99A9384)';

/** A read that failed: the check cannot say yes, so it refuses, naming the permission it needed. */
function unreadable(check: Finding['check'], what: string, permission: string, error: unknown): Finding {
  const e = error as { name?: string; message?: string };
  const reason =
    e.name === 'CredentialsProviderError'
      ? 'no AWS credentials (set AWS_PROFILE or pass --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)'
      : `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  return { check, verdict: 'refuse', message: `could not read ${what} (${reason}); the preflight needs ${permission}.` };
}

/** Stack states a deploy can start from (an update rolled back leaves the stack as it was: fine). */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

const isMissingStack = (error: unknown) => (error as { name?: string; message?: string }).name === 'ValidationError' && /does not exist/.test((error as Error).message);

/** The stack, or undefined when there is none of that name in the region. */
async function describeStack(cfn: PreflightClients['cloudFormation'], stackName: string): Promise<Stack | undefined> {
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

/** `cdk bootstrap` has run in this account and region, recently enough for a CDK v2 template. */
export async function checkBootstrap(clients: PreflightClients, target: PreflightTarget): Promise<Finding> {
  const check = 'bootstrap';
  let toolkit: Stack | undefined;
  try {
    toolkit = await describeStack(clients.cloudFormation, target.toolkitStackName);
  } catch (error) {
    return unreadable(check, `the stack ${target.toolkitStackName}`, 'cloudformation:DescribeStacks', error);
  }
  const bootstrap = `npx cdk bootstrap aws://<account>/${target.region}`;
  if (!toolkit) return { check, verdict: 'refuse', message: `${target.region} is not bootstrapped for the CDK (no stack ${target.toolkitStackName}): run ${bootstrap} once, then deploy.` };
  if (!SETTLED.has(toolkit.StackStatus ?? '')) {
    return { check, verdict: 'refuse', message: `the CDK toolkit stack ${target.toolkitStackName} is ${toolkit.StackStatus}: run ${bootstrap} again once it has settled.` };
  }
  const version = Number(toolkit.Outputs?.find((output) => output.OutputKey === 'BootstrapVersion')?.OutputValue);
  if (!Number.isFinite(version) || version < MIN_BOOTSTRAP_VERSION) {
    return { check, verdict: 'refuse', message: `${target.toolkitStackName} has BootstrapVersion ${Number.isFinite(version) ? version : '(none)'}, the template needs at least ${MIN_BOOTSTRAP_VERSION}: run ${bootstrap} again.` };
  }
  return { check, verdict: 'ok', message: `${target.toolkitStackName} (BootstrapVersion ${version}) in ${target.region}.` };
}

/** Sum of ReservedConcurrentExecutions over the Lambda functions of a template (JSON, as the CDK writes it). */
export function reservedInTemplate(body: string): number {
  const template = JSON.parse(body) as { Resources?: Record<string, { Type?: string; Properties?: { ReservedConcurrentExecutions?: unknown } }> };
  let total = 0;
  for (const resource of Object.values(template.Resources ?? {})) {
    const reserved = resource.Type === 'AWS::Lambda::Function' ? resource.Properties?.ReservedConcurrentExecutions : undefined;
    if (typeof reserved === 'number') total += reserved;
  }
  return total;
}

/** What the stack as deployed now holds that the deploy will give back or keep. */
export interface DeployedStack {
  readonly exists: boolean;
  /** Concurrency its functions reserve now (counted out of the account's unreserved pool already). */
  readonly reserved: number;
}

/**
 * The stack can be deployed over (not mid-operation, not a failed first create) and what it
 * reserves now: an update gives back its own reservations before it takes the new ones.
 */
export async function checkStack(clients: PreflightClients, plan: DeployPlan): Promise<{ finding: Finding; deployed: DeployedStack }> {
  const check = 'stack';
  const none: DeployedStack = { exists: false, reserved: 0 };
  let stack: Stack | undefined;
  try {
    stack = await describeStack(clients.cloudFormation, plan.stackName);
  } catch (error) {
    return { finding: unreadable(check, `the stack ${plan.stackName}`, 'cloudformation:DescribeStacks', error), deployed: none };
  }
  if (!stack) return { finding: { check, verdict: 'ok', message: `no stack ${plan.stackName} yet: this deploy creates it.` }, deployed: none };
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED') {
    return {
      finding: { check, verdict: 'refuse', message: `stack ${plan.stackName} is ${status} (its first deploy failed), which CloudFormation cannot update: delete it (npx cdk destroy ${plan.stackName}) and deploy again.` },
      deployed: none,
    };
  }
  // REVIEW_IN_PROGRESS: a change set was made and never run; the stack has no resources yet.
  if (status === 'REVIEW_IN_PROGRESS') return { finding: { check, verdict: 'ok', message: `stack ${plan.stackName} has no resources yet (${status}).` }, deployed: none };
  if (!SETTLED.has(status)) {
    const advice = /_IN_PROGRESS$/.test(status) ? 'wait until it has finished' : 'settle it in the CloudFormation console (continue or cancel the rollback)';
    return { finding: { check, verdict: 'refuse', message: `stack ${plan.stackName} is ${status}: ${advice}, then deploy.` }, deployed: none };
  }
  let reserved: number;
  try {
    const template = await clients.cloudFormation.send(new GetTemplateCommand({ StackName: plan.stackName }));
    reserved = reservedInTemplate(template.TemplateBody ?? '{}');
  } catch (error) {
    return { finding: unreadable(check, `the template of ${plan.stackName}`, 'cloudformation:GetTemplate', error), deployed: none };
  }
  return { finding: { check, verdict: 'ok', message: `stack ${plan.stackName} is ${status}; its functions reserve ${reserved} concurrent executions now.` }, deployed: { exists: true, reserved } };
}

/**
 * Reserved concurrency fits: what the stack reserves must leave Lambda's 100 unreserved, out
 * of what is unreserved now plus what the stack itself reserves already. Otherwise
 * CloudFormation fails with "... decreases account's UnreservedConcurrentExecution below its
 * minimum value".
 */
export async function checkLambdaConcurrency(clients: PreflightClients, plan: DeployPlan, deployed: DeployedStack, target: PreflightTarget): Promise<Finding> {
  const check = 'lambda-concurrency';
  let limit: number;
  let unreserved: number;
  try {
    const settings = await clients.lambda.send(new GetAccountSettingsCommand({}));
    limit = settings.AccountLimit?.ConcurrentExecutions ?? Number.NaN;
    unreserved = settings.AccountLimit?.UnreservedConcurrentExecutions ?? Number.NaN;
  } catch (error) {
    return unreadable(check, "the account's Lambda settings", 'lambda:GetAccountSettings', error);
  }
  if (!Number.isFinite(limit) || !Number.isFinite(unreserved)) return unreadable(check, "the account's Lambda limits", 'lambda:GetAccountSettings', new Error('no AccountLimit in the answer'));
  const account = `ConcurrentExecutions=${limit}, UnreservedConcurrentExecutions=${unreserved} in ${target.region}`;
  const available = unreserved + deployed.reserved;
  const needed = plan.reservedConcurrency + LAMBDA_UNRESERVED_MINIMUM;
  if (plan.reservedConcurrency > 0 && available < needed) {
    const own = deployed.reserved > 0 ? ` (${unreserved} unreserved plus the ${deployed.reserved} this stack reserves now)` : '';
    return {
      check,
      verdict: 'refuse',
      message:
        `the stack would reserve ${plan.reservedConcurrency} concurrent executions (${plan.reservationSetting}) and Lambda keeps ` +
        `${LAMBDA_UNRESERVED_MINIMUM} unreserved, so it needs ${needed} available; the account has ${available}${own} (${account}), ` +
        `${needed - available} short. Raise the quota (${QUOTA_HINT}) to at least ${limit + needed - available}, ` +
        'or deploy with -c IMAGER_RESERVED_CONCURRENCY=false.',
    };
  }
  const reserves = plan.reservedConcurrency > 0 ? `reserves ${plan.reservedConcurrency} of ${available} available` : `reserves none (${plan.reservationSetting})`;
  if (limit < LAMBDA_DEFAULT_CONCURRENCY) {
    return {
      check,
      verdict: 'note',
      message: `the stack ${reserves}, but the account runs at most ${limit} executions at once across all functions (${account}; the default is ${LAMBDA_DEFAULT_CONCURRENCY}): ask for more (${QUOTA_HINT}) before real traffic.`,
    };
  }
  return { check, verdict: 'ok', message: `the stack ${reserves} (${account}).` };
}

/** Every API Gateway API key of the region, counted a page (500) at a time. */
export async function countApiKeys(apiGateway: PreflightClients['apiGateway']): Promise<number> {
  let count = 0;
  let position: string | undefined;
  do {
    const page = await apiGateway.send(new GetApiKeysCommand({ limit: 500, position }));
    count += page.items?.length ?? 0;
    position = page.position;
  } while (position);
  return count;
}

/**
 * Room for the keys: 10,000 per account and region, shared with every other API there. Imager
 * holds one per account with keys (its meter, made with the account's first key) plus the
 * console sessions' one the template makes; no key per Imager key or per console session
 * (docs/quotas.md#api-gateway-keys-one-per-account). So what is left is how many more accounts
 * can make their first key.
 */
export async function checkApiKeys(clients: PreflightClients, plan: DeployPlan, target: PreflightTarget): Promise<Finding> {
  const check = 'api-keys';
  let count: number;
  try {
    count = await countApiKeys(clients.apiGateway);
  } catch (error) {
    return unreadable(check, 'the API keys of the region', 'apigateway:GET on arn:aws:apigateway:<region>::/apikeys', error);
  }
  const after = count + plan.apiKeysAdded;
  const held =
    `${count} API Gateway API keys in ${target.region} (this deploy adds ${plan.apiKeysAdded}), of ${API_KEYS_PER_REGION.toLocaleString('en-US')} per account and region, which AWS does not raise; ` +
    `Imager holds one per account with keys and ${STACK_API_KEYS} for all console sessions, none per key or sign-in`;
  if (after >= API_KEYS_PER_REGION) {
    return { check, verdict: 'refuse', message: `${held}: no room for a new account's first key. Delete unused keys (aws apigateway get-api-keys) or deploy to another region or account.` };
  }
  const alarmAt = API_KEYS_WARNING_SHARE * API_KEYS_PER_REGION;
  if (after >= alarmAt) {
    return {
      check,
      verdict: 'note',
      message: `${held}: ${API_KEYS_PER_REGION - after} left for new accounts, at or past the ${alarmAt.toLocaleString('en-US')} (${API_KEYS_WARNING_SHARE * 100}%) where the ApiGatewayKeysCeiling alarm fires; see docs/quotas.md for the way past the ceiling.`,
    };
  }
  return { check, verdict: 'ok', message: `${held}: room for ${API_KEYS_PER_REGION - after} more accounts.` };
}

type Identity = { readonly name: string; readonly verified: boolean; readonly status: string };

async function emailIdentity(ses: PreflightClients['ses'], name: string): Promise<Identity | undefined> {
  try {
    const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: name }));
    return { name, verified: identity.VerifiedForSendingStatus === true, status: identity.VerificationStatus ?? 'UNKNOWN' };
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException') return undefined;
    throw error;
  }
}

/**
 * The sign-up emails can go out: with Cognito's own sender, a note of its daily limit; with an
 * SES sender, its identity (the address, or its domain) verified in the stack's region (Cognito
 * refuses an unverified one, and the user pool fails to create), and a note while the SES
 * account is still in the sandbox.
 */
export async function checkEmail(clients: PreflightClients, plan: DeployPlan, target: PreflightTarget): Promise<Finding> {
  const check = 'email';
  if (!plan.sesFromEmail) {
    return {
      check,
      verdict: 'note',
      message: `sign-up emails use Cognito's own sender, about ${COGNITO_DEFAULT_EMAILS_PER_DAY} a day for the whole user pool; set -c IMAGER_SES_FROM_EMAIL=<a verified SES address> for real use.`,
    };
  }
  const address = plan.sesFromEmail;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  let identities: Array<Identity | undefined>;
  try {
    // Either one verified lets Cognito send from the address; the domain is asked only if needed.
    const own = await emailIdentity(clients.ses, address);
    identities = own?.verified ? [own] : [own, await emailIdentity(clients.ses, domain)];
  } catch (error) {
    return unreadable(check, `the SES identity of ${address}`, 'ses:GetEmailIdentity', error);
  }
  const verified = identities.find((identity) => identity?.verified);
  if (!verified) {
    const seen = identities.map((identity, i) => `${[address, domain][i]}: ${identity ? identity.status : 'no identity'}`).join(', ');
    return {
      check,
      verdict: 'refuse',
      message:
        `IMAGER_SES_FROM_EMAIL=${address} has no verified SES identity in ${target.region} (${seen}); Cognito would refuse it and the user pool fail to create. ` +
        `Verify the address or its domain in SES in ${target.region} (aws sesv2 create-email-identity --email-identity ${address}, then follow the link), then deploy.`,
    };
  }
  let account;
  try {
    account = await clients.ses.send(new GetAccountCommand({}));
  } catch (error) {
    return unreadable(check, 'the SES account', 'ses:GetAccount', error);
  }
  const quota = `Max24HourSend=${account.SendQuota?.Max24HourSend ?? '?'}, MaxSendRate=${account.SendQuota?.MaxSendRate ?? '?'}/s`;
  if (account.SendingEnabled === false) {
    return { check, verdict: 'note', message: `${verified.name} is verified, but SES sending is paused for this account in ${target.region} (SendingEnabled=false): no sign-up email goes out until it is resumed.` };
  }
  if (account.ProductionAccessEnabled !== true) {
    return {
      check,
      verdict: 'note',
      message: `${verified.name} is verified, but SES in ${target.region} is in the sandbox (${quota}, and only to verified recipients): request production access before people sign up.`,
    };
  }
  return { check, verdict: 'ok', message: `sign-up emails from ${address} through SES (${verified.name} verified; ${quota}).` };
}

/** Every check, in the order they are printed. Read-only: the preflight changes nothing. */
export async function runPreflight(clients: PreflightClients, plan: DeployPlan, target: PreflightTarget): Promise<Finding[]> {
  const [bootstrap, stack, apiKeys, email] = await Promise.all([
    checkBootstrap(clients, target),
    checkStack(clients, plan),
    checkApiKeys(clients, plan, target),
    checkEmail(clients, plan, target),
  ]);
  const concurrency = await checkLambdaConcurrency(clients, plan, stack.deployed, target);
  return [bootstrap, stack.finding, concurrency, apiKeys, email];
}

/** The findings as the CLI prints them, one per line. */
export function formatFindings(findings: readonly Finding[]): string {
  const label: Record<Verdict, string> = { ok: 'ok    ', note: 'note  ', refuse: 'REFUSE' };
  return findings.map((finding) => `${label[finding.verdict]} ${finding.check}: ${finding.message}`).join('\n');
}
