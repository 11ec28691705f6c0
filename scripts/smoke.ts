import { parseArgs } from 'node:util';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../functions/adapters/dynamo-key-store';
import { KeyAdmin } from './key-admin';
import { formatStep, runSmoke, type SmokeTarget } from './smoke-steps';
import { readStackOutputs } from './stack-outputs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage:
  npm run smoke -- --stack NAME [--region R] [--profile P] [--key KEY] [--cdn-wait SECONDS]
  npm run smoke -- --url API_URL --key KEY [--cdn-wait SECONDS]
Upload, get, the public URL through the CDN, a variant, list, delete and the URL's 404, against a
deployed stack (its outputs; without --key a key of the account "imager-smoke" is made for the run
and revoked after it) or any running API. Exit 1 if a step failed.`;

/** The account the smoke's own key belongs to, when it makes one. */
const SMOKE_ACCOUNT = 'imager-smoke';
/** A key made just now: API Gateway may take a little to honour it, and the authorizer caches a refusal for up to its TTL (60 s). */
const NEW_KEY_WAIT_SECONDS = 90;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      'cdn-wait': { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cdnWaitSeconds = Number(values['cdn-wait']);
  if (!Number.isInteger(cdnWaitSeconds) || cdnWaitSeconds < 0) throw new TypeError('--cdn-wait needs a whole number of seconds');
  if (Boolean(values.stack) === Boolean(values.url)) throw new TypeError('give either --stack NAME or --url API_URL');

  let target: SmokeTarget;
  let keyWaitSeconds = 0;
  let cleanup: () => Promise<void> = async () => undefined;
  if (values.url) {
    if (!values.key) throw new TypeError('--url needs --key KEY');
    target = { apiUrl: values.url, key: values.key };
  } else {
    const config = { ...(values.region ? { region: values.region } : {}), ...(values.profile ? { profile: values.profile } : {}) };
    const outputs = await readStackOutputs(new CloudFormationClient(config), values.stack!, ['ApiUrl', 'PublicBaseUrl', 'KeysTableName', 'UsagePlanId', 'RestApiId', 'StageName']);
    let key = values.key;
    if (!key) {
      const admin = new KeyAdmin(new DynamoKeyStore(new DynamoDBClient(config), outputs.KeysTableName), {
        client: new APIGatewayClient(config),
        usagePlanId: outputs.UsagePlanId,
        restApiId: outputs.RestApiId,
        stageName: outputs.StageName,
      });
      const created = await admin.create(SMOKE_ACCOUNT);
      console.log(`Made key ${created.keyId} (account ${SMOKE_ACCOUNT}) for this run; it is revoked at the end.`);
      key = created.key;
      keyWaitSeconds = NEW_KEY_WAIT_SECONDS;
      cleanup = async () => {
        await admin.revoke(created.keyId);
        console.log(`Revoked key ${created.keyId}.`);
      };
    }
    target = { apiUrl: outputs.ApiUrl, key, publicBaseUrl: outputs.PublicBaseUrl };
  }

  console.log(`Smoke test of ${target.apiUrl}`);
  try {
    const results = await runSmoke(target, { cdnWaitSeconds, keyWaitSeconds, onStep: (result) => console.log(formatStep(result)) });
    const failed = results.filter((result) => result.status !== 'passed').length;
    console.log(failed === 0 ? `All ${results.length} steps passed.` : `${failed} of ${results.length} steps did not pass.`);
    return failed === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof TypeError ? `${error.message}\n${USAGE}` : `smoke failed: ${(error as Error).message}`);
    process.exit(2);
  },
);
