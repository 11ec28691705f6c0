/**
 * The events/ of the resumable-upload functions, as `sam local invoke -e events/<name>.json`
 * sends them: the real handler modules, invoked directly with each event (no gateway), against
 * the local emulators, on an upload the start-upload event began with `"multipart": true`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import abortUploadJson from '../../events/abort-upload.json';
import completeUploadJson from '../../events/complete-upload.json';
import listUploadPartsJson from '../../events/list-upload-parts.json';
import signUploadPartsJson from '../../events/sign-upload-parts.json';
import startUploadJson from '../../events/start-upload.json';
import authorizerJson from '../../events/authorizer.json';
import { FUNCTIONS, type FunctionName } from '../../functions/function-table';
import { bmp24 } from '../support/images';
import { startTestApi, type TestApi } from '../support/local-api';
import { storageState } from '../support/storage';

const EVENTS = {
  start: startUploadJson satisfies APIGatewayProxyEvent,
  sign: signUploadPartsJson satisfies APIGatewayProxyEvent,
  list: listUploadPartsJson satisfies APIGatewayProxyEvent,
  complete: completeUploadJson satisfies APIGatewayProxyEvent,
  abort: abortUploadJson satisfies APIGatewayProxyEvent,
};
const KEY = authorizerJson.authorizationToken.replace(/^Bearer /, '');
const EVENT_ID = EVENTS.sign.pathParameters.image_id;

type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const handlerOf = async (name: FunctionName): Promise<ProxyHandler> => (await import(`../../functions/${FUNCTIONS[name].file}.ts`)).handler as ProxyHandler;
const dataOf = (result: APIGatewayProxyResult) => (JSON.parse(result.body) as { data: any }).data;

/** A copy of `event` for the image `id` (its path, path parameter and context path). */
function forImage(event: object, id: string, body?: string | null): APIGatewayProxyEvent {
  const copy = structuredClone(event) as APIGatewayProxyEvent;
  copy.path = copy.path.replace(EVENT_ID, id);
  copy.requestContext.path = copy.requestContext.path.replace(EVENT_ID, id);
  copy.pathParameters = { image_id: id };
  if (body !== undefined) copy.body = body;
  return copy;
}

/** The start-upload event, asking for a multipart upload of `size` bytes. */
function startEvent(size: number): APIGatewayProxyEvent {
  const copy = structuredClone(EVENTS.start) as APIGatewayProxyEvent;
  copy.body = JSON.stringify({ size, multipart: true });
  return copy;
}

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ IMAGER_DEV_KEY: KEY });
});
afterAll(async () => {
  await api.stop();
});

describe('events/ of resumable uploads', () => {
  it('name one open upload of the events\' account, in the route each one is for', () => {
    for (const event of [EVENTS.sign, EVENTS.list, EVENTS.complete, EVENTS.abort]) {
      expect(event.pathParameters.image_id).toBe(EVENT_ID);
      expect(event.requestContext.authorizer.accountId).toBe(EVENTS.start.requestContext.authorizer.accountId);
      expect(event.path).toBe(event.resource.replace('{image_id}', EVENT_ID));
    }
    expect(JSON.parse(EVENTS.sign.body!)).toEqual({ part_numbers: [1, 2] });
    expect(JSON.parse(EVENTS.complete.body!).parts.map((part: { part_number: number }) => part.part_number)).toEqual([1, 2]);
  });

  it('sign-upload-parts.json, list-upload-parts.json, complete-upload.json: a two-part upload, signed, sent, listed, completed and checked', async () => {
    const bytes = bmp24(1600, 1400);
    const started = await (await handlerOf('StartUpload'))(startEvent(bytes.byteLength));
    expect(started.statusCode).toBe(201);
    const { id, upload } = dataOf(started);
    expect(upload).toMatchObject({ method: 'multipart', part_count: 2 });

    const signed = await (await handlerOf('SignUploadParts'))(forImage(EVENTS.sign, id));
    expect(signed.statusCode).toBe(200);
    const etags: Array<{ part_number: number; etag: string }> = [];
    for (const part of dataOf(signed).parts as Array<{ part_number: number; url: string }>) {
      const start = (part.part_number - 1) * upload.part_size;
      const put = await fetch(part.url, { method: 'PUT', body: bytes.subarray(start, start + upload.part_size) });
      expect(put.status).toBe(200);
      etags.push({ part_number: part.part_number, etag: put.headers.get('etag')! });
    }

    const listed = await (await handlerOf('ListUploadParts'))(forImage(EVENTS.list, id));
    expect(listed.statusCode).toBe(200);
    expect(dataOf(listed).parts.map((part: { etag: string }) => part.etag)).toEqual(etags.map((part) => part.etag));

    // The event's body, with the ETags this upload's parts got.
    const completed = await (await handlerOf('CompleteUpload'))(forImage(EVENTS.complete, id, JSON.stringify({ parts: etags })));
    expect(completed.statusCode).toBe(202);
    await api.idle();
    const state = await storageState();
    expect(state.records.find((record) => record.id === id)).toMatchObject({ state: 'ready', size: bytes.byteLength, objectKey: `images/${id}` });
    expect(state.objects.filter((key) => key.includes(id))).toEqual([`images/${id}`]);
  });

  it('abort-upload.json: 204, and the upload is gone', async () => {
    const started = await (await handlerOf('StartUpload'))(startEvent(6 * 1024 * 1024));
    const { id } = dataOf(started);
    const aborted = await (await handlerOf('AbortUpload'))(forImage(EVENTS.abort, id));
    expect(aborted.statusCode).toBe(204);
    expect((await storageState()).records.find((record) => record.id === id)).toBeUndefined();
  });
});
