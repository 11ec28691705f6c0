import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetAccountCommand, GetEmailIdentityCommand, NotFoundException, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, readStackSettings } from '../../functions/core/config';
import { reservedConcurrencyTotal } from '../../functions/function-table';
import { API_KEYS_IN_TEMPLATE, cdkContext, type DeployPlan, deployPlan, parseDeployArguments } from '../../scripts/deploy-plan';
import { type Finding, formatFindings, type PreflightClients, reservedInTemplate, runPreflight } from '../../scripts/preflight-checks';
import { preflight } from '../../scripts/preflight-cli';

/**
 * The preflight against mocked AWS answers (aws-sdk-client-mock): each refusal names the number
 * and the setting, each note says what to raise, and an account that allows the deploy passes.
 */
const cfn = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const apiGateway = mockClient(APIGatewayClient);
const ses = mockClient(SESv2Client);

const REGION = 'eu-west-1';
const TARGET = { region: REGION, toolkitStackName: 'CDKToolkit' };
const clients: PreflightClients = {
  cloudFormation: new CloudFormationClient({ region: REGION }),
  lambda: new LambdaClient({ region: REGION }),
  apiGateway: new APIGatewayClient({ region: REGION }),
  ses: new SESv2Client({ region: REGION }),
};

const RESERVED = reservedConcurrencyTotal();
const plan = (overrides: Partial<DeployPlan> = {}): DeployPlan => ({
  stackName: 'Imager',
  reservedConcurrency: RESERVED,
  reservationSetting: 'IMAGER_RESERVED_CONCURRENCY=true',
  apiKeysAdded: 0,
  ...overrides,
});
const missingStack = (name: string) => Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
const toolkit = (version: number, status = 'UPDATE_COMPLETE'): Stack =>
  ({ StackName: 'CDKToolkit', StackStatus: status, CreationTime: new Date(), Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: String(version) }] }) as Stack;
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `k${i}` }));
const byCheck = (findings: Finding[], check: Finding['check']) => findings.find((f) => f.check === check)!;

/** An account that allows everything: bootstrapped, no stack yet, 1,000 concurrency free, few keys, SES verified and out of the sandbox. */
function healthyAccount(): void {
  cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({ Stacks: [toolkit(27)] });
  cfn.on(DescribeStacksCommand, { StackName: 'Imager' }).rejects(missingStack('Imager'));
  lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  apiGateway.on(GetApiKeysCommand).resolves({ items: keys(3) });
  ses.on(GetEmailIdentityCommand, { EmailIdentity: 'noreply@example.com' }).resolves({ VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
  ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: true, SendQuota: { Max24HourSend: 50000, MaxSendRate: 14 } });
}

beforeEach(() => {
  for (const mock of [cfn, lambda, apiGateway, ses]) mock.reset();
  healthyAccount();
});

describe('the preflight', () => {
  it('passes an account that allows the deploy, reading only (no call that changes anything)', async () => {
    const findings = await runPreflight(clients, plan({ sesFromEmail: 'noreply@example.com' }), TARGET);
    expect(findings.map((f) => [f.check, f.verdict])).toEqual([
      ['bootstrap', 'ok'],
      ['stack', 'ok'],
      ['lambda-concurrency', 'ok'],
      ['api-keys', 'ok'],
      ['email', 'ok'],
    ]);
    expect(byCheck(findings, 'lambda-concurrency').message).toContain(`reserves ${RESERVED} of 1000 available`);
    expect(byCheck(findings, 'api-keys').message).toContain('3 API Gateway API keys in eu-west-1');
    const sent = [cfn, lambda, apiGateway, ses].flatMap((mock) => mock.calls().map((call) => (call.args[0] as object).constructor.name));
    expect(sent.every((name) => /^(Describe|Get)/.test(name)), sent.join(', ')).toBe(true);
    expect(formatFindings(findings)).not.toContain('REFUSE');
  });

  it('refuses an account that was never bootstrapped, or one bootstrapped too long ago', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).rejects(missingStack('CDKToolkit'));
    let finding = byCheck(await runPreflight(clients, plan(), TARGET), 'bootstrap');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain('no stack CDKToolkit): run npx cdk bootstrap aws://<account>/eu-west-1');
    cfn.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({ Stacks: [toolkit(5)] });
    finding = byCheck(await runPreflight(clients, plan(), TARGET), 'bootstrap');
    expect(finding).toMatchObject({ verdict: 'refuse' });
    expect(finding.message).toContain('BootstrapVersion 5, the template needs at least 6');
  });

  it('refuses a stack CloudFormation cannot update: a failed first create, or one mid-operation', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Imager' }).resolves({ Stacks: [{ StackName: 'Imager', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    let finding = byCheck(await runPreflight(clients, plan(), TARGET), 'stack');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain('ROLLBACK_COMPLETE (its first deploy failed)');
    expect(finding.message).toContain('npx cdk destroy Imager');
    cfn.on(DescribeStacksCommand, { StackName: 'Imager' }).resolves({ Stacks: [{ StackName: 'Imager', StackStatus: 'UPDATE_IN_PROGRESS', CreationTime: new Date() }] });
    finding = byCheck(await runPreflight(clients, plan(), TARGET), 'stack');
    expect(finding).toMatchObject({ verdict: 'refuse' });
    expect(finding.message).toContain('UPDATE_IN_PROGRESS: wait until it has finished');
  });

  it("refuses reservations a new account's concurrency cannot hold, naming the numbers, the quota and the setting", async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const finding = byCheck(await runPreflight(clients, plan(), TARGET), 'lambda-concurrency');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain(`would reserve ${RESERVED} concurrent executions (IMAGER_RESERVED_CONCURRENCY=true)`);
    expect(finding.message).toContain(`needs ${RESERVED + 100} available; the account has 10`);
    expect(finding.message).toContain('ConcurrentExecutions=10, UnreservedConcurrentExecutions=10 in eu-west-1');
    expect(finding.message).toContain(`${RESERVED + 100 - 10} short`);
    expect(finding.message).toContain('L-B99A9384');
    expect(finding.message).toContain('-c IMAGER_RESERVED_CONCURRENCY=false');
  });

  it('refuses when other functions of the account already hold the room: 1,000 with 471 reserved elsewhere', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 - 471 } });
    const finding = byCheck(await runPreflight(clients, plan({ reservedConcurrency: 471 }), TARGET), 'lambda-concurrency');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain('needs 571 available; the account has 529');
    expect(finding.message).toContain('42 short. Raise the quota (Service Quotas > AWS Lambda > "Concurrent executions" (L-B99A9384)) to at least 1042');
  });

  it('counts what the deployed stack reserves already: redeploying the same reservations passes', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Imager' }).resolves({ Stacks: [{ StackName: 'Imager', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
    const resources = { A: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 400 } }, B: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 71 } } };
    cfn.on(GetTemplateCommand, { StackName: 'Imager' }).resolves({ TemplateBody: JSON.stringify({ Resources: resources }) });
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 529 } });
    const findings = await runPreflight(clients, plan({ reservedConcurrency: 471 }), TARGET);
    expect(byCheck(findings, 'stack').message).toContain('reserve 471 concurrent executions now');
    expect(byCheck(findings, 'lambda-concurrency')).toMatchObject({ verdict: 'ok', message: expect.stringContaining('reserves 471 of 1000 available') });
  });

  it('with reservations off, a small account deploys, with a note to raise its concurrency', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const finding = byCheck(await runPreflight(clients, plan({ reservedConcurrency: 0, reservationSetting: 'IMAGER_RESERVED_CONCURRENCY=false' }), TARGET), 'lambda-concurrency');
    expect(finding.verdict).toBe('note');
    expect(finding.message).toContain('reserves none (IMAGER_RESERVED_CONCURRENCY=false)');
    expect(finding.message).toContain('at most 10 executions at once');
  });

  it('counts API keys over every page and refuses when the 10,000 per region leave no room', async () => {
    apiGateway.on(GetApiKeysCommand).resolves({ items: keys(500), position: 'p2' });
    apiGateway.on(GetApiKeysCommand, { position: 'p2' }).resolves({ items: keys(500), position: 'p3' });
    apiGateway.on(GetApiKeysCommand, { position: 'p3' }).resolves({ items: keys(7) });
    let finding = byCheck(await runPreflight(clients, plan(), TARGET), 'api-keys');
    expect(finding).toMatchObject({ verdict: 'ok', message: expect.stringContaining('1007 API Gateway API keys in eu-west-1') });
    // The per-account model: what is left is how many more accounts can make their first key.
    expect(finding.message).toContain('Imager holds one per account with keys and 1 for all console sessions, none per key or sign-in');
    expect(finding.message).toContain('room for 8993 more accounts');
    expect(apiGateway.commandCalls(GetApiKeysCommand).map((call) => call.args[0].input)).toEqual([
      { limit: 500, position: undefined },
      { limit: 500, position: 'p2' },
      { limit: 500, position: 'p3' },
    ]);

    apiGateway.reset();
    apiGateway.on(GetApiKeysCommand).resolves({ items: keys(500), position: 'more' });
    apiGateway.on(GetApiKeysCommand, { position: 'more' }).resolves({ items: keys(9500) });
    finding = byCheck(await runPreflight(clients, plan(), TARGET), 'api-keys');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain('10000 API Gateway API keys in eu-west-1 (this deploy adds 0), of 10,000 per account and region');
    expect(finding.message).toContain("no room for a new account's first key");

    apiGateway.reset();
    apiGateway.on(GetApiKeysCommand).resolves({ items: keys(8500) });
    finding = byCheck(await runPreflight(clients, plan(), TARGET), 'api-keys');
    expect(finding).toMatchObject({ verdict: 'note', message: expect.stringContaining('1500 left for new accounts') });
    expect(finding.message).toContain('the 8,000 (80%) where the ApiGatewayKeysCeiling alarm fires');

    // Just under the alarm's 8,000: still ok.
    apiGateway.reset();
    apiGateway.on(GetApiKeysCommand).resolves({ items: keys(7999) });
    expect(byCheck(await runPreflight(clients, plan(), TARGET), 'api-keys').verdict).toBe('ok');
  });

  it("notes Cognito's own sender and its daily limit when no SES sender is set", async () => {
    const finding = byCheck(await runPreflight(clients, plan(), TARGET), 'email');
    expect(finding.verdict).toBe('note');
    expect(finding.message).toContain('about 50 a day');
    expect(finding.message).toContain('IMAGER_SES_FROM_EMAIL');
    expect(ses.calls()).toHaveLength(0);
  });

  it('refuses an SES sender whose address and domain are both unverified in the region, naming the setting and each status', async () => {
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'noreply@example.com' }).rejects(new NotFoundException({ message: 'not found', $metadata: {} }));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).resolves({ VerifiedForSendingStatus: false, VerificationStatus: 'PENDING' });
    const finding = byCheck(await runPreflight(clients, plan({ sesFromEmail: 'noreply@example.com' }), TARGET), 'email');
    expect(finding.verdict).toBe('refuse');
    expect(finding.message).toContain('IMAGER_SES_FROM_EMAIL=noreply@example.com has no verified SES identity in eu-west-1 (noreply@example.com: no identity, example.com: PENDING)');
  });

  it('accepts a verified domain for the address, and notes an SES account still in the sandbox with its quota', async () => {
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'noreply@example.com' }).rejects(new NotFoundException({ message: 'not found', $metadata: {} }));
    ses.on(GetEmailIdentityCommand, { EmailIdentity: 'example.com' }).resolves({ VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
    ses.on(GetAccountCommand).resolves({ ProductionAccessEnabled: false, SendingEnabled: true, SendQuota: { Max24HourSend: 200, MaxSendRate: 1 } });
    const finding = byCheck(await runPreflight(clients, plan({ sesFromEmail: 'noreply@example.com' }), TARGET), 'email');
    expect(finding.verdict).toBe('note');
    expect(finding.message).toContain('example.com is verified, but SES in eu-west-1 is in the sandbox (Max24HourSend=200, MaxSendRate=1/s');
  });

  it('refuses what it cannot read, naming the permission it needs', async () => {
    apiGateway.on(GetApiKeysCommand).rejects(Object.assign(new Error('User is not authorized to perform: apigateway:GET'), { name: 'AccessDeniedException' }));
    lambda.on(GetAccountSettingsCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const findings = await runPreflight(clients, plan(), TARGET);
    expect(byCheck(findings, 'api-keys')).toMatchObject({ verdict: 'refuse', message: expect.stringContaining('AccessDeniedException: User is not authorized') });
    expect(byCheck(findings, 'api-keys').message).toContain('needs apigateway:GET on arn:aws:apigateway:<region>::/apikeys');
    expect(byCheck(findings, 'lambda-concurrency').message).toContain('no AWS credentials');
  });

  it('prints every finding and returns false on a refusal; a bad setting refuses before any AWS call', async () => {
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const lines: string[] = [];
    const options = { region: REGION, stackName: 'Imager', toolkitStackName: 'CDKToolkit' };
    expect(await preflight({ ...options, context: { IMAGER_RESERVED_CONCURRENCY: 'true' } }, (line) => lines.push(line))).toBe(false);
    const text = lines.join('\n');
    expect(text).toContain('Preflight of stack Imager in eu-west-1:');
    expect(text).toMatch(/^REFUSE lambda-concurrency: the stack would reserve/m);
    expect(text).toContain('Preflight refused (1)');

    lines.length = 0;
    expect(await preflight({ ...options, context: { IMAGER_RESERVED_CONCURRENCY: 'false' } }, (line) => lines.push(line))).toBe(true);
    expect(lines.at(-1)).toBe('Preflight passed.');

    for (const mock of [cfn, lambda, apiGateway, ses]) mock.resetHistory();
    lines.length = 0;
    expect(await preflight({ ...options, context: { IMAGER_RESERVED_CONCURRENCY: 'maybe' } }, (line) => lines.push(line))).toBe(false);
    expect(lines).toEqual(['REFUSE settings: IMAGER_RESERVED_CONCURRENCY must be true or false, got "maybe"']);
    expect([cfn, lambda, apiGateway, ses].flatMap((mock) => mock.calls())).toEqual([]);
  });
});

describe('the deploy plan', () => {
  const root = mkdtempSync(join(tmpdir(), 'imager-plan-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the reservations through the settings reader and the function table', () => {
    expect(deployPlan(cdkContext({ IMAGER_RESERVED_CONCURRENCY: 'true' })).reservedConcurrency).toBe(reservedConcurrencyTotal());
    expect(deployPlan(cdkContext({ IMAGER_RESERVED_CONCURRENCY: 'false' }))).toMatchObject({ reservedConcurrency: 0, reservationSetting: 'IMAGER_RESERVED_CONCURRENCY=false' });
    // Unset, it is whatever the reader's default is.
    const onByDefault = readStackSettings(cdkContext()).reservedConcurrency;
    expect(deployPlan(cdkContext()).reservedConcurrency).toBe(onByDefault ? reservedConcurrencyTotal() : 0);
    expect(deployPlan(cdkContext()).apiKeysAdded).toBe(API_KEYS_IN_TEMPLATE);
    expect(() => deployPlan(cdkContext({ IMAGER_SES_FROM_EMAIL: 'not-an-address' }))).toThrow(ConfigError);
  });

  it('takes the context as the CDK CLI does: cdk.json, then cdk.context.json, then -c', () => {
    writeFileSync(join(root, 'cdk.json'), JSON.stringify({ context: { IMAGER_SES_FROM_EMAIL: 'a@example.com', IMAGER_RESERVED_CONCURRENCY: 'false' } }));
    expect(deployPlan(cdkContext({}, root))).toMatchObject({ sesFromEmail: 'a@example.com', reservedConcurrency: 0 });
    writeFileSync(join(root, 'cdk.context.json'), JSON.stringify({ IMAGER_SES_FROM_EMAIL: 'b@example.com' }));
    expect(deployPlan(cdkContext({}, root)).sesFromEmail).toBe('b@example.com');
    expect(deployPlan(cdkContext({ IMAGER_SES_FROM_EMAIL: 'c@example.com', IMAGER_RESERVED_CONCURRENCY: 'true' }, root))).toMatchObject({
      sesFromEmail: 'c@example.com',
      reservedConcurrency: reservedConcurrencyTotal(),
    });
  });

  it("splits the deploy command's arguments: ours, and the rest for cdk deploy", () => {
    expect(parseDeployArguments(['--region', 'eu-west-1', '-c', 'IMAGER_HOURLY_LIMIT=5000', '--require-approval', 'never', '--context=IMAGER_X=a=b', '--profile', 'prod'])).toEqual({
      region: 'eu-west-1',
      profile: 'prod',
      stackName: 'Imager',
      toolkitStackName: 'CDKToolkit',
      context: { IMAGER_HOURLY_LIMIT: '5000', IMAGER_X: 'a=b' },
      cdkArgs: ['Imager', '-c', 'IMAGER_HOURLY_LIMIT=5000', '--require-approval', 'never', '--context', 'IMAGER_X=a=b', '--profile', 'prod'],
    });
    expect(parseDeployArguments(['--stack=Staging', '--toolkit-stack-name', 'Toolkit2'])).toMatchObject({ stackName: 'Staging', toolkitStackName: 'Toolkit2', cdkArgs: ['Staging', '--toolkit-stack-name', 'Toolkit2'] });
    expect(() => parseDeployArguments(['--region'])).toThrow('--region needs a value');
    expect(() => parseDeployArguments(['-c', 'NOVALUE'])).toThrow('-c needs NAME=value');
  });

  it('sums what a deployed template reserves', () => {
    const body = JSON.stringify({
      Resources: {
        A: { Type: 'AWS::Lambda::Function', Properties: { ReservedConcurrentExecutions: 100 } },
        B: { Type: 'AWS::Lambda::Function', Properties: {} },
        C: { Type: 'AWS::SQS::Queue', Properties: { ReservedConcurrentExecutions: 5 } },
      },
    });
    expect(reservedInTemplate(body)).toBe(100);
  });
});
