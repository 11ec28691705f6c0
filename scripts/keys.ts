import { parseArgs } from 'node:util';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../functions/adapters/dynamo-key-store';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_RESOURCES } from '../local/resources';
import { findRunningLocalApi } from '../local/runtime-file';
import { readLocalSettings } from '../local/settings';
import { KeyAdmin, KeyAdminError } from './key-admin';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage:
  npm run keys -- create --name NAME [--json]   create a key for account NAME (created if new); prints the key
  npm run keys -- list [--json]                 list keys (ids, accounts, status; never the keys)
  npm run keys -- revoke KEY_ID [--json]        revoke a key
  npm run keys -- migrate [--json]              move keys made before account meters onto their account's (once, after upgrading)
Add --stack NAME [--region REGION] to act on a deployed stack instead of the running local API.`;

/** The running local API, found through PORT / IMAGER_DATA_DIR like `npm start`. */
async function localAdmin(): Promise<KeyAdmin> {
  const settings = readLocalSettings();
  const notRunning = `The local API is not running for data directory ${settings.dataDir}: start it with "npm start" (same PORT and IMAGER_DATA_DIR), or pass --stack NAME for a deployed stack.`;
  const info = findRunningLocalApi(settings.dataDir);
  if (!info) throw new KeyAdminError(notRunning);
  const client = new DynamoDBClient({
    endpoint: info.dynamodbEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: LOCAL_RESOURCES.keysTable }));
  } catch {
    throw new KeyAdminError(notRunning);
  }
  return new KeyAdmin(new DynamoKeyStore(client, LOCAL_RESOURCES.keysTable), undefined, { say: (message) => console.error(message) });
}

/** A deployed stack: tables and usage plan from its outputs. */
async function stackAdmin(stackName: string, region: string | undefined): Promise<KeyAdmin> {
  const cfn = new CloudFormationClient({ region });
  const described = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  for (const name of ['KeysTableName', 'UsagePlanId', 'RestApiId', 'StageName']) {
    if (!outputs[name]) throw new KeyAdminError(`Stack ${stackName} has no output ${name}: is it an Imager stack?`);
  }
  return new KeyAdmin(
    new DynamoKeyStore(new DynamoDBClient({ region }), outputs.KeysTableName!),
    { client: new APIGatewayClient({ region }), usagePlanId: outputs.UsagePlanId!, restApiId: outputs.RestApiId!, stageName: outputs.StageName!, stackName },
    { say: (message) => console.error(message) },
  );
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
      stack: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const admin = values.stack ? await stackAdmin(values.stack, values.region) : await localAdmin();
  switch (command) {
    case 'create': {
      if (!values.name) throw new KeyAdminError('create needs --name NAME');
      const created = await admin.create(values.name);
      if (values.json) {
        console.log(JSON.stringify({ key_id: created.keyId, key: created.key, account: created.account, account_id: created.accountId, created_at: created.createdAt }));
      } else {
        console.error(`Created key ${created.keyId} for account ${created.account}. It is shown once; store it now.`);
        console.log(created.key);
      }
      return 0;
    }
    case 'list': {
      const keys = await admin.list();
      if (values.json) {
        console.log(JSON.stringify(keys.map((k) => ({ key_id: k.keyId, account: k.account, account_id: k.accountId, created_at: k.createdAt, status: k.status, revoked_at: k.revokedAt ?? null }))));
      } else {
        for (const k of keys) console.log(`${k.keyId}\t${k.account}\t${k.status}\t${k.createdAt}`);
      }
      return 0;
    }
    case 'revoke': {
      const keyId = rest[0];
      if (!keyId) throw new KeyAdminError('revoke needs a KEY_ID (see "list")');
      const revoked = await admin.revoke(keyId);
      if (values.json) console.log(JSON.stringify({ key_id: revoked.keyId, status: revoked.status, revoked_at: revoked.revokedAt }));
      else console.log(`Revoked ${revoked.keyId} (account ${revoked.account}).`);
      return 0;
    }
    case 'migrate': {
      const report = await admin.migrate();
      if (values.json) console.log(JSON.stringify(report));
      else console.log(`Moved ${report.migrated} key(s) onto their account's meter; deleted ${report.retired} API key(s) of single keys; ${report.alreadyDone} already done.`);
      return 0;
    }
    default:
      console.error(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof KeyAdminError || error instanceof TypeError ? error.message : `keys failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
