import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ConfigError } from '../functions/core/config';
import { cdkContext, type DeployPlan, deployPlan } from './deploy-plan';
import { type Finding, formatFindings, type PreflightClients, runPreflight } from './preflight-checks';

/** Where the preflight looks: the region and profile as the CDK CLI would use them. */
export interface PreflightOptions {
  readonly region?: string;
  readonly profile?: string;
  readonly stackName: string;
  readonly toolkitStackName: string;
  readonly context: Readonly<Record<string, string>>;
}

/** The stock SDK clients for one region and profile (the default credential chain, like the CDK CLI's). */
export function preflightClients(region: string | undefined, profile: string | undefined) {
  const config = { ...(region ? { region } : {}), ...(profile ? { profile } : {}), maxAttempts: 3 };
  const lambda = new LambdaClient(config);
  const clients: PreflightClients = {
    cloudFormation: new CloudFormationClient(config),
    lambda,
    apiGateway: new APIGatewayClient(config),
    ses: new SESv2Client(config),
  };
  return {
    clients,
    /** The region the clients resolved (option, AWS_REGION, the profile's); rejects when there is none. */
    region: () => lambda.config.region(),
    /** Resolves the credentials once, so that missing ones are said once rather than by every check. */
    credentials: () => lambda.config.credentials(),
  };
}

/**
 * Plans the deploy from the settings and runs every check, printing each finding; true when
 * nothing refused. Used by `npm run preflight` and by `npm run deploy` before `cdk deploy`.
 */
export async function preflight(options: PreflightOptions, log: (line: string) => void = console.log): Promise<boolean> {
  let plan: DeployPlan;
  try {
    plan = deployPlan(cdkContext(options.context), options.stackName);
  } catch (error) {
    if (error instanceof ConfigError) {
      log(`REFUSE settings: ${error.message}`);
      return false;
    }
    throw error;
  }
  const { clients, region: resolveRegion, credentials } = preflightClients(options.region, options.profile);
  let region: string;
  try {
    region = await resolveRegion();
  } catch {
    log('REFUSE region: no AWS region: pass --region R or set AWS_REGION (or a region in your AWS profile).');
    return false;
  }
  try {
    await credentials();
  } catch (error) {
    log(`REFUSE credentials: no AWS credentials for ${region} (${(error as Error).message}): set AWS_PROFILE or pass --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`);
    return false;
  }
  log(`Preflight of stack ${plan.stackName} in ${region}:`);
  const findings: Finding[] = await runPreflight(clients, plan, { region, toolkitStackName: options.toolkitStackName });
  log(formatFindings(findings));
  const refused = findings.filter((finding) => finding.verdict === 'refuse').length;
  log(refused === 0 ? 'Preflight passed.' : `Preflight refused (${refused}): CloudFormation would fail or the stack would not work; nothing was deployed.`);
  return refused === 0;
}
