import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BACKGROUND_CLIENT_OPTIONS } from '../functions/adapters/client-options';
import { DynamoImageRecords } from '../functions/adapters/dynamo-image-records';
import { S3ImageObjects } from '../functions/adapters/s3-image-objects';
import { readLimits } from '../functions/core/config';
import { migrateToPublishedLayout } from '../functions/core/migrate';
import { LOCAL_RESOURCES, localEnvironment } from '../local/resources';
import { findRunningLocalApi } from '../local/runtime-file';
import { readLocalSettings } from '../local/settings';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: npm run migrate-delivery [-- --stack NAME [--region REGION]]
Moves ready large uploads from uploads/ to images/ and strips metadata from every ready image
(docs/delivery.md). Without --stack it acts on the running local API's storage. Safe to run again.`;

/** `npm run migrate-delivery`: the one-off step for images stored before CDN delivery. */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stack: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(USAGE);
  let bucketName: string;
  let tableName: string;
  if (values.stack) {
    const cfn = new CloudFormationClient({ region: values.region });
    const described = await cfn.send(new DescribeStacksCommand({ StackName: values.stack }));
    const outputs = Object.fromEntries((described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    if (!outputs.BucketName || !outputs.ImagesTableName) throw new Error(`Stack ${values.stack} has no BucketName/ImagesTableName outputs`);
    ({ BucketName: bucketName, ImagesTableName: tableName } = outputs as Record<string, string>);
    if (values.region) process.env.AWS_REGION = values.region;
  } else {
    const settings = readLocalSettings();
    const info = findRunningLocalApi(settings.dataDir);
    if (!info) throw new Error(`The local API is not running for ${settings.dataDir}: start it with "npm start", or pass --stack NAME.`);
    Object.assign(process.env, localEnvironment(info));
    bucketName = LOCAL_RESOURCES.bucketName;
    tableName = LOCAL_RESOURCES.imagesTable;
  }
  const report = await migrateToPublishedLayout({
    objects: new S3ImageObjects(new S3Client(BACKGROUND_CLIENT_OPTIONS), bucketName),
    records: new DynamoImageRecords(new DynamoDBClient(BACKGROUND_CLIENT_OPTIONS), tableName),
    limits: readLimits(process.env),
    log: { warn: (message, details) => console.warn(message, details), error: (message, details) => console.error(message, details) },
  });
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
