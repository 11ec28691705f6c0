import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { IMAGES_TABLE_SCHEMA } from '../functions/adapters/table-schemas';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX } from '../functions/core/ids';
import type { HandlerName } from '../functions/routes';
import { ImagerApi } from './api';
import { ImagerFunction } from './imager-function';
import { acknowledgeStackFindings } from './nag-suppressions';
import { readStackSettings, type StackSettings } from './settings';
import { Storage } from './storage';

export interface ImagerStackProps extends StackProps {
  /** Overrides the settings read from context (tests). */
  readonly settings?: StackSettings;
}

const READ_ITEM = ['dynamodb:GetItem'];
const COUNT = ['dynamodb:UpdateItem'];

/** Imager: storage, functions and the API, composed. */
export class ImagerStack extends Stack {
  readonly storage: Storage;
  readonly api: ImagerApi;
  readonly functions: Readonly<Record<HandlerName | 'Authorizer' | 'FinalizeUpload' | 'Sweep', ImagerFunction>>;

  constructor(scope: Construct, id: string, props: ImagerStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readStackSettings(this.node);
    const storage = (this.storage = new Storage(this, 'Storage'));
    const { bucket, images, keys, counters } = storage;

    const shared: Record<string, string> = {
      IMAGER_HOURLY_LIMIT: String(settings.hourlyLimit),
      IMAGER_MAX_IMAGE_BYTES: String(settings.limits.maxImageBytes),
      IMAGER_MAX_LARGE_IMAGE_BYTES: String(settings.limits.maxLargeImageBytes),
      IMAGER_MAX_PIXELS: String(settings.limits.maxPixels),
      ...(settings.publicBaseUrl ? { IMAGER_PUBLIC_BASE_URL: settings.publicBaseUrl } : {}),
    };
    const fn = (name: string, file: string, description: string, timeout?: Duration): ImagerFunction =>
      new ImagerFunction(this, name, { file, description, environment: shared, timeout });

    const direct = [DIRECT_PREFIX];
    const uploads = [LARGE_UPLOAD_PREFIX];
    const both = [DIRECT_PREFIX, LARGE_UPLOAD_PREFIX];
    const { byAccountIndex, pendingIndex } = IMAGES_TABLE_SCHEMA;

    const uploadImage = fn('UploadImage', 'upload-image', 'POST /api/images/upload')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      // Delete: the cleanup when the record cannot be written after the object was.
      .useObjects(bucket, ['s3:PutObject', 's3:DeleteObject'], direct);

    const getImage = fn('GetImage', 'get-image', 'GET /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, ...READ_ITEM)
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const listImages = fn('ListImages', 'list-images', 'GET /api/images')
      .queryIndex('IMAGES_TABLE', images, byAccountIndex.name)
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const deleteImage = fn('DeleteImage', 'delete-image', 'DELETE /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:DeleteItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      .useObjects(bucket, ['s3:DeleteObject'], both);

    const startUpload = fn('StartUpload', 'start-upload', 'POST /api/images/uploads')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT)
      // The presigned PUT/POST is signed with this function's role, so it needs the put itself.
      .useObjects(bucket, ['s3:PutObject'], uploads);

    // The presigned GET is signed with this role: it may read image objects and nothing else.
    const viewImage = fn('ViewImage', 'view-image', 'GET /image/{image_id} (public link)')
      .useTable('IMAGES_TABLE', images, ...READ_ITEM)
      .useObjects(bucket, ['s3:GetObject'], both);

    const authorizer = fn('Authorizer', 'authorizer', 'Bearer API key authorizer').useTable('KEYS_TABLE', keys, ...READ_ITEM);

    // Reads head and tail, rewrites the content type (a copy onto itself: get + put), or deletes.
    const finalizeUpload = fn('FinalizeUpload', 'finalize-upload', 'Settles large uploads (S3 ObjectCreated)', Duration.seconds(60))
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:UpdateItem')
      .useObjects(bucket, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], uploads)
      .allowList(bucket);
    bucket.addEventNotification(EventType.OBJECT_CREATED_PUT, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });
    bucket.addEventNotification(EventType.OBJECT_CREATED_POST, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });

    // Lists both prefixes, deletes orphans, and settles late uploads the way finalize does.
    const sweep = fn('Sweep', 'sweep', 'Hourly: expired pending uploads and orphan objects', Duration.minutes(5))
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem')
      .queryIndex('IMAGES_TABLE', images, pendingIndex.name)
      .useObjects(bucket, ['s3:GetObject', 's3:DeleteObject'], both)
      .useObjects(bucket, ['s3:PutObject'], uploads)
      .allowList(bucket);
    new Rule(this, 'HourlySweep', {
      description: 'Imager sweep: expired pending uploads, orphan objects',
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(sweep)],
    });

    const handlers = {
      UploadImage: uploadImage,
      GetImage: getImage,
      ListImages: listImages,
      DeleteImage: deleteImage,
      StartUpload: startUpload,
      ViewImage: viewImage,
    };
    this.functions = { ...handlers, Authorizer: authorizer, FinalizeUpload: finalizeUpload, Sweep: sweep };

    this.api = new ImagerApi(this, 'Api', {
      handlers,
      authorizer,
      authCacheSeconds: settings.authCacheSeconds,
      throttleRate: settings.throttleRate,
      throttleBurst: settings.throttleBurst,
      dailyQuota: settings.dailyQuota,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the API' });
    new CfnOutput(this, 'RestApiId', { value: this.api.api.restApiId });
    new CfnOutput(this, 'StageName', { value: this.api.api.deploymentStage.stageName });
    new CfnOutput(this, 'UsagePlanId', { value: this.api.usagePlan.usagePlanId, description: 'Usage plan the keys are attached to' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'ImagesTableName', { value: images.tableName });
    new CfnOutput(this, 'KeysTableName', { value: keys.tableName });
    new CfnOutput(this, 'CountersTableName', { value: counters.tableName });

    acknowledgeStackFindings({ stack: this, restApi: this.api.api });
  }
}
