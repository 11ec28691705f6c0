import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, type BucketProps, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { UPLOAD_CORS_RULE } from '../functions/adapters/bucket-cors';
import { EXPORT_LIFETIME_DAYS, EXPORT_PREFIX, EXPORT_REQUEST_PREFIX } from '../functions/core/exports';
import { LARGE_UPLOAD_PREFIX } from '../functions/core/ids';
import { COUNTERS_TABLE_SCHEMA, EXPORTS_TABLE_SCHEMA, WEBHOOKS_TABLE_SCHEMA, IMAGES_TABLE_SCHEMA, KEYS_TABLE_SCHEMA, LOOKUPS_TABLE_SCHEMA } from '../functions/adapters/table-schemas';

/** A bucket as every Imager bucket is: no public access, encrypted at rest, reachable over TLS only. */
export function privateBucket(scope: Construct, id: string, props: BucketProps): Bucket {
  return new Bucket(scope, id, { blockPublicAccess: BlockPublicAccess.BLOCK_ALL, encryption: BucketEncryption.S3_MANAGED, enforceSSL: true, ...props });
}

/** A global secondary index: string partition key, optional sort key with its type. */
interface TableIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: readonly [string, AttributeType];
  /** Only the keys projected (default: every attribute). */
  readonly keysOnly?: boolean;
}

/** A table's own sort key (string). */
type TableSortKey = { readonly sortKey?: string };

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
  /** Lookups of images by metadata pair and perceptual-hash band (docs/apps.md). */
  readonly lookups: Table;
  /** Account exports (docs/apps.md). */
  readonly exports: Table;
  /** Webhook endpoints, deliveries and image owners (docs/webhooks.md). */
  readonly webhooks: Table;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.accessLogs = privateBucket(this, 'AccessLogs', {
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });

    this.bucket = privateBucket(this, 'Images', {
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'images/',
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // uploads/ holds client bytes only until finalize checks and publishes them (seconds);
        // what is left after two days is a stray (a re-PUT, a crash) that must not linger.
        { id: 'ExpireStrayUploads', prefix: LARGE_UPLOAD_PREFIX, expiration: Duration.days(2) },
        // Export zips are offered for a week (docs/apps.md); their requests are spent once built.
        { id: 'ExpireExports', prefix: EXPORT_PREFIX, expiration: Duration.days(EXPORT_LIFETIME_DAYS) },
        { id: 'ExpireExportRequests', prefix: EXPORT_REQUEST_PREFIX, expiration: Duration.days(EXPORT_LIFETIME_DAYS) },
      ],
      // Browsers send large uploads straight to S3 with the presigned PUT or POST (or part PUTs).
      cors: [
        {
          allowedMethods: UPLOAD_CORS_RULE.allowedMethods.map((method) => HttpMethods[method]),
          allowedOrigins: [...UPLOAD_CORS_RULE.allowedOrigins],
          allowedHeaders: [...UPLOAD_CORS_RULE.allowedHeaders],
          exposedHeaders: [...UPLOAD_CORS_RULE.exposedHeaders],
          maxAge: UPLOAD_CORS_RULE.maxAgeSeconds,
        },
      ],
      removalPolicy,
    });

    const images = IMAGES_TABLE_SCHEMA;
    // No TTL: see IMAGES_TABLE_SCHEMA (a pending record waits for its late finalize).
    this.images = this.table('ImagesTable', images.partitionKey, { removalPolicy }, [
      { name: images.byAccountIndex.name, partitionKey: images.byAccountIndex.partitionKey, sortKey: [images.byAccountIndex.sortKey, AttributeType.STRING] },
      { name: images.pendingIndex.name, partitionKey: images.pendingIndex.partitionKey, sortKey: [images.pendingIndex.sortKey, AttributeType.NUMBER] },
      { name: images.byShaIndex.name, partitionKey: images.byShaIndex.partitionKey },
      { name: images.expiryIndex.name, partitionKey: images.expiryIndex.partitionKey, sortKey: [images.expiryIndex.sortKey, AttributeType.NUMBER] },
    ]);
    const keys = KEYS_TABLE_SCHEMA;
    // TTL: only a deleted account's tombstone carries the attribute (see KEYS_TABLE_SCHEMA).
    this.keys = this.table('KeysTable', keys.partitionKey, { removalPolicy, timeToLiveAttribute: keys.ttlAttribute }, [
      { name: keys.byKeyIdIndex.name, partitionKey: keys.byKeyIdIndex.partitionKey },
    ]);
    // Counters are disposable: losing them only resets the current hour.
    const counters = COUNTERS_TABLE_SCHEMA;
    this.counters = this.table('CountersTable', counters.partitionKey, { removalPolicy: RemovalPolicy.DESTROY, timeToLiveAttribute: counters.ttlAttribute }, [
      { name: counters.byIdempotencyAccountIndex.name, partitionKey: counters.byIdempotencyAccountIndex.partitionKey, keysOnly: true },
    ]);
    // Derived from the image records (every lookup can be written again from its record).
    this.lookups = this.table('LookupsTable', LOOKUPS_TABLE_SCHEMA.partitionKey, { removalPolicy, sortKey: LOOKUPS_TABLE_SCHEMA.sortKey });
    this.exports = this.table('ExportsTable', EXPORTS_TABLE_SCHEMA.partitionKey, {
      removalPolicy,
      sortKey: EXPORTS_TABLE_SCHEMA.sortKey,
      timeToLiveAttribute: EXPORTS_TABLE_SCHEMA.ttlAttribute,
    });
    const hooks = WEBHOOKS_TABLE_SCHEMA;
    this.webhooks = this.table('WebhooksTable', hooks.partitionKey, { removalPolicy, sortKey: hooks.sortKey, timeToLiveAttribute: hooks.ttlAttribute }, [
      { name: hooks.byEndpointIndex.name, partitionKey: hooks.byEndpointIndex.partitionKey, sortKey: [hooks.byEndpointIndex.sortKey, AttributeType.STRING] },
      { name: hooks.pendingIndex.name, partitionKey: hooks.pendingIndex.partitionKey },
      { name: hooks.ownerIndex.name, partitionKey: hooks.ownerIndex.partitionKey },
    ]);
  }

  /** An on-demand table with point-in-time recovery and encryption, keyed by a string, with its indexes (every attribute projected). */
  private table(id: string, partitionKey: string, options: Pick<TableProps, 'removalPolicy' | 'timeToLiveAttribute'> & TableSortKey, indexes: readonly TableIndex[] = []): Table {
    const { sortKey, ...rest } = options;
    const table = new Table(this, id, {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      ...(sortKey ? { sortKey: { name: sortKey, type: AttributeType.STRING } } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      ...rest,
    });
    for (const index of indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: index.sortKey && { name: index.sortKey[0], type: index.sortKey[1] },
        projectionType: index.keysOnly ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
    return table;
  }
}
