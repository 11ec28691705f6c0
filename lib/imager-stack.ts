import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { DIRECT_PREFIX, LARGE_UPLOAD_PREFIX } from '../functions/core/ids';
import type { HandlerName } from '../functions/routes';
import { ImagerApi } from './api';
import { ImagerFunction } from './imager-function';
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

    const uploadImage = fn('UploadImage', 'upload-image', 'POST /api/images/upload')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT);
    uploadImage.addEnvironment('BUCKET_NAME', bucket.bucketName);
    bucket.grantPut(uploadImage, `${DIRECT_PREFIX}*`);
    bucket.grantDelete(uploadImage, `${DIRECT_PREFIX}*`);

    const getImage = fn('GetImage', 'get-image', 'GET /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, ...READ_ITEM)
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const listImages = fn('ListImages', 'list-images', 'GET /api/images')
      .useTable('IMAGES_TABLE', images, 'dynamodb:Query')
      .useTable('COUNTERS_TABLE', counters, ...COUNT);

    const deleteImage = fn('DeleteImage', 'delete-image', 'DELETE /api/images/{image_id}')
      .useTable('IMAGES_TABLE', images, 'dynamodb:GetItem', 'dynamodb:DeleteItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT);
    deleteImage.addEnvironment('BUCKET_NAME', bucket.bucketName);
    bucket.grantDelete(deleteImage, `${DIRECT_PREFIX}*`);
    bucket.grantDelete(deleteImage, `${LARGE_UPLOAD_PREFIX}*`);

    const startUpload = fn('StartUpload', 'start-upload', 'POST /api/images/uploads')
      .useTable('IMAGES_TABLE', images, 'dynamodb:PutItem')
      .useTable('COUNTERS_TABLE', counters, ...COUNT);
    startUpload.addEnvironment('BUCKET_NAME', bucket.bucketName);
    // The presigned PUT/POST is signed with this function's role, so it needs the put itself.
    bucket.grantPut(startUpload, `${LARGE_UPLOAD_PREFIX}*`);

    const viewImage = fn('ViewImage', 'view-image', 'GET /image/{image_id} (public link)').useTable(
      'IMAGES_TABLE',
      images,
      ...READ_ITEM,
    );
    viewImage.addEnvironment('BUCKET_NAME', bucket.bucketName);
    // The presigned GET is signed with this role: it may read image objects and nothing else.
    bucket.grantRead(viewImage, `${DIRECT_PREFIX}*`);
    bucket.grantRead(viewImage, `${LARGE_UPLOAD_PREFIX}*`);

    const authorizer = fn('Authorizer', 'authorizer', 'Bearer API key authorizer').useTable('KEYS_TABLE', keys, ...READ_ITEM);

    const finalizeUpload = fn('FinalizeUpload', 'finalize-upload', 'Settles large uploads (S3 ObjectCreated)', Duration.seconds(60)).useTable(
      'IMAGES_TABLE',
      images,
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    );
    finalizeUpload.addEnvironment('BUCKET_NAME', bucket.bucketName);
    bucket.grantRead(finalizeUpload, `${LARGE_UPLOAD_PREFIX}*`);
    bucket.grantPut(finalizeUpload, `${LARGE_UPLOAD_PREFIX}*`);
    bucket.grantDelete(finalizeUpload, `${LARGE_UPLOAD_PREFIX}*`);
    bucket.addEventNotification(EventType.OBJECT_CREATED_PUT, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });
    bucket.addEventNotification(EventType.OBJECT_CREATED_POST, new LambdaDestination(finalizeUpload), { prefix: LARGE_UPLOAD_PREFIX });

    const sweep = fn('Sweep', 'sweep', 'Hourly: expired pending uploads and orphan objects', Duration.minutes(5)).useTable(
      'IMAGES_TABLE',
      images,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    sweep.addEnvironment('BUCKET_NAME', bucket.bucketName);
    bucket.grantRead(sweep);
    bucket.grantPut(sweep, `${LARGE_UPLOAD_PREFIX}*`);
    bucket.grantDelete(sweep);
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
  }
}
