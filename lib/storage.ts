import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { UPLOAD_CORS_RULE } from '../functions/adapters/bucket-cors';
import { LARGE_UPLOAD_PREFIX } from '../functions/core/ids';
import { COUNTERS_TABLE_SCHEMA, IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA } from '../functions/adapters/table-schemas';

export interface StorageProps {
  /** What happens to the bucket and tables when the stack is deleted. Defaults to RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The private image bucket and the three tables (images, keys, hourly counters). Names are
 * left to CloudFormation; key schemas come from functions/adapters/table-schemas.ts, which the
 * local emulator uses too.
 */
export class Storage extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly images: Table;
  readonly keys: Table;
  readonly counters: Table;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });

    this.bucket = new Bucket(this, 'Images', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'images/',
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // uploads/ holds client bytes only until finalize checks and publishes them (seconds);
        // what is left after two days is a stray (a re-PUT, a crash) that must not linger.
        { id: 'ExpireStrayUploads', prefix: LARGE_UPLOAD_PREFIX, expiration: Duration.days(2) },
      ],
      // Browsers send large uploads straight to S3 with the presigned PUT or POST.
      cors: [
        {
          allowedMethods: UPLOAD_CORS_RULE.allowedMethods.map((method) => HttpMethods[method]),
          allowedOrigins: [...UPLOAD_CORS_RULE.allowedOrigins],
          allowedHeaders: [...UPLOAD_CORS_RULE.allowedHeaders],
          maxAge: UPLOAD_CORS_RULE.maxAgeSeconds,
        },
      ],
      removalPolicy,
    });

    const images = IMAGES_TABLE_SCHEMA;
    this.images = new Table(this, 'ImagesTable', {
      partitionKey: { name: images.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // No TTL: see IMAGES_TABLE_SCHEMA (a pending record waits for its late finalize).
      removalPolicy,
    });
    this.images.addGlobalSecondaryIndex({
      indexName: images.byAccountIndex.name,
      partitionKey: { name: images.byAccountIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: images.byAccountIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.images.addGlobalSecondaryIndex({
      indexName: images.pendingIndex.name,
      partitionKey: { name: images.pendingIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: images.pendingIndex.sortKey, type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });

    this.keys = new Table(this, 'KeysTable', {
      partitionKey: { name: KEYS_TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
    });
    this.keys.addGlobalSecondaryIndex({
      indexName: KEYS_TABLE_SCHEMA.byKeyIdIndex.name,
      partitionKey: { name: KEYS_TABLE_SCHEMA.byKeyIdIndex.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    this.counters = new Table(this, 'CountersTable', {
      partitionKey: { name: COUNTERS_TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: COUNTERS_TABLE_SCHEMA.ttlAttribute,
      // Counters are disposable: losing them only resets the current hour.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
