import { parseArgs } from 'node:util';
import { contextPair, DEFAULT_STACK_NAME, DEFAULT_TOOLKIT_STACK_NAME } from './deploy-plan';
import { preflight } from './preflight-cli';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: npm run preflight -- [--region R] [--profile P] [--stack NAME] [-c NAME=value ...] [--toolkit-stack-name NAME]
Reads what the AWS account allows (Lambda concurrency, API Gateway keys, the SES sender, the CDK bootstrap)
against what "cdk deploy" would ask with these settings, and refuses (exit 1) before CloudFormation would fail.`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      region: { type: 'string' },
      profile: { type: 'string' },
      stack: { type: 'string', default: DEFAULT_STACK_NAME },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      'toolkit-stack-name': { type: 'string', default: DEFAULT_TOOLKIT_STACK_NAME },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const passed = await preflight({
    region: values.region,
    profile: values.profile,
    stackName: values.stack,
    toolkitStackName: values['toolkit-stack-name'],
    context: Object.fromEntries(values.context.map(contextPair)),
  });
  return passed ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof TypeError ? `${error.message}\n${USAGE}` : `preflight failed: ${(error as Error).message}`);
    process.exit(2);
  },
);
