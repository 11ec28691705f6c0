/**
 * The events/ folder holds one event per function for `sam local invoke -e events/<name>.json`.
 * This proves each one is a valid event for its handler: the real handler modules, invoked
 * directly with the event (no gateway in between), against the local emulators.
 */
import { readFileSync } from 'node:fs';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  S3Event,
  ScheduledEvent,
} from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoImageRecords } from '../../functions/adapters/dynamo-image-records';
import { FUNCTIONS, type FunctionName } from '../../functions/function-table';
import type { SweepReport } from '../../functions/core/sweep';
import authorizerJson from '../../events/authorizer.json';
import deleteImageJson from '../../events/delete-image.json';
import finalizeUploadJson from '../../events/finalize-upload.json';
import getImageJson from '../../events/get-image.json';
import listImagesJson from '../../events/list-images.json';
import startUploadJson from '../../events/start-upload.json';
import sweepJson from '../../events/sweep.json';
import uploadImageJson from '../../events/upload-image.json';
import viewImageJson from '../../events/view-image.json';
import { published } from '../support/http';
import { startTestApi, type TestApi } from '../support/local-api';

// Assignments type-check the static files against @types/aws-lambda. The public route has no
// authorizer, and API Gateway then leaves `requestContext.authorizer` out altogether.
const EVENTS = {
  uploadImage: uploadImageJson satisfies APIGatewayProxyEvent,
  getImage: getImageJson satisfies APIGatewayProxyEvent,
  listImages: listImagesJson satisfies APIGatewayProxyEvent,
  deleteImage: deleteImageJson satisfies APIGatewayProxyEvent,
  startUpload: startUploadJson satisfies APIGatewayProxyEvent,
  viewImage: viewImageJson as Omit<APIGatewayProxyEvent, 'requestContext'> & {
    requestContext: Omit<APIGatewayProxyEvent['requestContext'], 'authorizer'>;
  },
  // String literal fields ('TOKEN', 'Scheduled Event') are checked at run time below.
  authorizer: authorizerJson as Omit<APIGatewayTokenAuthorizerEvent, 'type'> & { type: string },
  finalizeUpload: finalizeUploadJson satisfies S3Event,
  sweep: sweepJson as Omit<ScheduledEvent, 'detail-type'> & { 'detail-type': string },
};

type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const PNG = readFileSync(new URL('../fixtures/sample.png', import.meta.url));
const KEY = EVENTS.authorizer.authorizationToken.replace(/^Bearer /, '');
const EVENT_ACCOUNT = EVENTS.uploadImage.requestContext.authorizer.accountId;

/** A fresh copy of an event, optionally for another image id. */
function proxyEvent(event: object, imageId?: string): APIGatewayProxyEvent {
  const copy = structuredClone(event) as APIGatewayProxyEvent;
  if (imageId !== undefined) {
    copy.pathParameters = { image_id: imageId };
    copy.path = copy.path.replace(/[A-Za-z0-9_-]{22}$/, imageId);
    copy.requestContext.path = copy.requestContext.path.replace(/[A-Za-z0-9_-]{22}$/, imageId);
  }
  return copy;
}

function body(result: APIGatewayProxyResult) {
  return JSON.parse(result.body) as { status: string; message?: string; data?: any };
}

/** The handler module the function table names for `name`: the instance the local API loaded. */
async function handlerOf<T>(name: FunctionName): Promise<T> {
  return (await import(`../../functions/${FUNCTIONS[name].file}.ts`)).handler as T;
}

let api: TestApi;
let handlers: {
  upload: ProxyHandler;
  get: ProxyHandler;
  list: ProxyHandler;
  remove: ProxyHandler;
  start: ProxyHandler;
  view: ProxyHandler;
  authorizer: (event: APIGatewayTokenAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
  finalize: (event: S3Event) => Promise<{ results: Record<string, string> }>;
  sweep: (event: ScheduledEvent) => Promise<SweepReport>;
};

beforeAll(async () => {
  api = await startTestApi({ IMAGER_DEV_KEY: KEY });
  // The same module instances the local API loaded, so their clients point at the emulators.
  handlers = {
    upload: await handlerOf('UploadImage'),
    get: await handlerOf('GetImage'),
    list: await handlerOf('ListImages'),
    remove: await handlerOf('DeleteImage'),
    start: await handlerOf('StartUpload'),
    view: await handlerOf('ViewImage'),
    authorizer: await handlerOf('Authorizer'),
    finalize: await handlerOf('FinalizeUpload'),
    sweep: await handlerOf('Sweep'),
  };
});
afterAll(async () => {
  await api.stop();
});

describe('events/ for sam local invoke', () => {
  it('authorizer.json: a TOKEN event whose key is the seeded dev key -> Allow on the whole stage', async () => {
    expect(EVENTS.authorizer.type).toBe('TOKEN');
    expect(KEY).toMatch(/^[A-Za-z0-9_-]{20,128}$/);
    const result = await handlers.authorizer(EVENTS.authorizer as APIGatewayTokenAuthorizerEvent);
    expect(result.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: 'arn:aws:execute-api:us-east-1:123456789012:abc123defg/v1/*' },
    ]);
    // The key's random usage identifier, never the key itself (docs/api.md).
    expect(result.usageIdentifierKey).toMatch(/^usage[0-9a-f]{48}$/);
    expect(result.context).toEqual({ accountId: result.principalId, keyId: expect.stringMatching(/^key_/) });
    expect(result.principalId).toMatch(/^acct_/);
  });

  it('the API events carry what the authorizer sets, in the same shapes', () => {
    for (const event of [EVENTS.uploadImage, EVENTS.getImage, EVENTS.listImages, EVENTS.deleteImage, EVENTS.startUpload]) {
      expect(event.requestContext.authorizer).toEqual({
        principalId: EVENT_ACCOUNT,
        integrationLatency: expect.any(Number),
        accountId: EVENT_ACCOUNT,
        keyId: expect.stringMatching(/^key_/),
      });
      expect(event.requestContext.identity.apiKey).toBe(KEY);
      expect(event.headers.Authorization).toBe(`Bearer ${KEY}`);
      expect(event.requestContext.path).toBe(`/${event.requestContext.stage}${event.path}`);
    }
    expect('authorizer' in EVENTS.viewImage.requestContext).toBe(false);
    expect(EVENTS.uploadImage.isBase64Encoded).toBe(true);
  });

  it('upload-image.json -> 201; its id drives get, view, list and delete', async () => {
    const upload = await handlers.upload(proxyEvent(EVENTS.uploadImage));
    expect(upload.statusCode).toBe(201);
    const image = body(upload).data;
    expect(image).toMatchObject({ format: 'png', content_type: 'image/png', width: 64, height: 48, size: published(PNG).size, sha256: published(PNG).sha256, state: 'ready' });
    expect(image.url).toBe(`https://abc123defg.execute-api.us-east-1.amazonaws.com/v1/image/${image.id}`);
    // Under the stage, as the client called it (a bare /api/... would miss /v1 on execute-api).
    expect(upload.headers?.Location).toBe(`/v1/api/images/${image.id}`);
    expect(upload.headers?.['X-RateLimit-Limit']).toBe('1000');

    const got = await handlers.get(proxyEvent(EVENTS.getImage, image.id));
    expect(got.statusCode).toBe(200);
    // GET shows what the upload showed, less the one-time delete link.
    const { delete_url: deleteUrl, ...shown } = image;
    expect(deleteUrl).toMatch(new RegExp(`^https://abc123defg\\.execute-api\\.us-east-1\\.amazonaws\\.com/v1/api/images/${image.id}/delete/[A-Za-z0-9_-]{43}$`));
    expect(body(got).data).toEqual(shown);

    // On the API's own domain the public path is a permanent redirect to the delivery URL.
    const view = await handlers.view(proxyEvent(EVENTS.viewImage, image.id));
    expect(view.statusCode).toBe(301);
    expect(view.headers?.Location).toBe(image.url);

    const list = await handlers.list(proxyEvent(EVENTS.listImages));
    expect(list.statusCode).toBe(200);
    expect(body(list).data.images.map((i: { id: string }) => i.id)).toContain(image.id);

    const removed = await handlers.remove(proxyEvent(EVENTS.deleteImage, image.id));
    expect(removed.statusCode).toBe(204);
    expect((await handlers.get(proxyEvent(EVENTS.getImage, image.id))).statusCode).toBe(404);
  });

  it('view-image.json unchanged redirects its fixed id to the delivery URL', async () => {
    const result = await handlers.view(proxyEvent(EVENTS.viewImage));
    expect(result.statusCode).toBe(301);
    expect(result.headers?.Location).toMatch(/\/image\/7Yq2mN0c4TzP1aXbK9eLwQ$/);
  });

  it('get and delete events unchanged are valid too: their fixed id is simply not found', async () => {
    for (const [handler, event] of [
      [handlers.get, EVENTS.getImage],
      [handlers.remove, EVENTS.deleteImage],
    ] as const) {
      const result = await handler(proxyEvent(event));
      expect(result.statusCode).toBe(404);
      expect(body(result)).toEqual({ status: 'error', message: 'Image not found' });
    }
  });

  it('start-upload.json -> 201 with a presigned PUT that, once used, leaves the image ready', async () => {
    const started = await handlers.start(proxyEvent(EVENTS.startUpload));
    expect(started.statusCode).toBe(201);
    const image = body(started).data;
    expect(image.state).toBe('pending');
    expect(started.headers?.Location).toBe(`/v1/api/images/${image.id}`);
    expect(image.upload).toMatchObject({ method: 'PUT', headers: { 'Content-Length': String(PNG.byteLength) }, max_size: PNG.byteLength });

    const put = await fetch(image.upload.url, { method: 'PUT', body: PNG });
    expect(put.status).toBe(200);
    await api.idle(); // the emulated bucket notification has settled it

    // finalize-upload.json for this object: already settled, so the second delivery only makes
    // sure nothing is left under uploads/ (it never publishes or changes the record).
    const event = structuredClone(EVENTS.finalizeUpload) as S3Event;
    event.Records[0].s3.object.key = `uploads/${image.id}`;
    expect(await handlers.finalize(event)).toEqual({ results: { [`uploads/${image.id}`]: 'discarded' } });

    const got = await handlers.get(proxyEvent(EVENTS.getImage, image.id));
    expect(got.statusCode).toBe(200);
    expect(body(got).data).toMatchObject({ id: image.id, state: 'ready', format: 'png', width: 64, height: 48, size: published(PNG).size });
  });

  it('finalize-upload.json unchanged settles its pending upload once the bytes are in the bucket', async () => {
    const key = EVENTS.finalizeUpload.Records[0].s3.object.key;
    const id = key.replace(/^uploads\//, '');
    expect(EVENTS.finalizeUpload.Records[0].eventName).toBe('ObjectCreated:Put');
    // Bytes first (their own notification finds no record and skips), then the pending record:
    // the state a real S3 event finds when it is delivered for this key.
    const s3 = new S3Client({ forcePathStyle: true });
    const dynamodb = new DynamoDBClient({});
    try {
      await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET_NAME, Key: key, Body: PNG, ContentType: 'application/octet-stream' }));
      await api.idle();
      await new DynamoImageRecords(dynamodb, process.env.IMAGES_TABLE!).create({
        id,
        accountId: EVENT_ACCOUNT,
        objectKey: key,
        state: 'pending',
        createdAt: new Date().toISOString(),
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      });
    } finally {
      s3.destroy();
      dynamodb.destroy();
    }
    expect((await handlers.get(proxyEvent(EVENTS.getImage, id))).statusCode).toBe(200);
    expect(body(await handlers.get(proxyEvent(EVENTS.getImage, id))).data.state).toBe('pending');

    expect(await handlers.finalize(structuredClone(EVENTS.finalizeUpload) as S3Event)).toEqual({ results: { [key]: 'ready' } });
    const got = await handlers.get(proxyEvent(EVENTS.getImage, id));
    expect(body(got).data).toMatchObject({ id, state: 'ready', format: 'png', content_type: 'image/png', width: 64, height: 48 });
  });

  it('sweep.json: a scheduled event -> a sweep report over the bucket', async () => {
    expect(EVENTS.sweep['detail-type']).toBe('Scheduled Event');
    expect(EVENTS.sweep.source).toBe('aws.events');
    const s3 = new S3Client({ forcePathStyle: true });
    let objects: number;
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: process.env.BUCKET_NAME }));
      objects = listed.KeyCount ?? 0;
    } finally {
      s3.destroy();
    }
    const report = await handlers.sweep(structuredClone(EVENTS.sweep) as ScheduledEvent);
    // Everything here is young and owned: checked, nothing removed.
    expect(report).toEqual({ expiredPending: 0, expiredImages: 0, edgeEntriesReleased: 0, lateFinalized: 0, orphansDeleted: 0, objectsChecked: objects, cycleCompleted: true });
    expect(objects).toBeGreaterThanOrEqual(2);
  });
});
