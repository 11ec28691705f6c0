import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, functionDefinition, type FunctionName, functionsTriggeredBy, type Trigger } from '../../functions/function-table';
import { HANDLERS, matchPath, ROUTES } from '../../functions/routes';
import { AUTHORIZATION_PATTERN } from '../../lib/api';
import { logicalId, type Synthesized, synthImager } from './synth';

/**
 * The function table (functions/function-table.ts) is the one list of functions: the stack
 * builds exactly its entries, as written; the route table points only at its API functions;
 * every entry names a handler file that exists and one sample event in events/ whose shape
 * fits its trigger (`sam local invoke -e events/<file>.json`, the bench's requests).
 */

const EVENTS_DIR = new URL('../../events/', import.meta.url);
const eventOf = (name: FunctionName): Record<string, any> =>
  JSON.parse(readFileSync(new URL(`${functionDefinition(name).file}.json`, EVENTS_DIR), 'utf8'));

let synth: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;
beforeAll(() => {
  synth = synthImager();
  resources = synth.template.toJSON().Resources;
});

describe('the stack', () => {
  it('builds every function of the table and no other (but the helpers CDK adds for its own custom resources)', () => {
    const ours = FUNCTION_NAMES.map((name) => logicalId(synth.stack.allFunctions[name]));
    expect(new Set(ours).size).toBe(FUNCTION_NAMES.length);
    const others = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !ours.includes(id));
    // The SDK call (the not-found page), the bucket notifications, the console's file deployment.
    expect(others.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^AWS679f53fac002430cb0da5b7982bd2287/),
      expect.stringMatching(/^BucketNotificationsHandler/),
      expect.stringMatching(/^CustomCDKBucketDeployment/),
    ]);
  });

  it.each(FUNCTION_NAMES)('%s has the description, timeout and memory of its entry', (name) => {
    const definition = functionDefinition(name);
    const properties = resources[logicalId(synth.stack.allFunctions[name])].Properties;
    expect(properties.Description).toBe(definition.description);
    expect(properties.Timeout).toBe(definition.timeoutSeconds);
    expect(properties.MemorySize).toBe(definition.memoryMb);
    // The settings it asks for, and no other (resource names come with grants, not settings).
    // (IMAGER_STACK_NAME is a resource name: the api-keys grant sets it, lib/api.ts.)
    const settings = Object.keys(properties.Environment.Variables as Record<string, unknown>)
      .filter((variable) => variable.startsWith('IMAGER_') && variable !== 'IMAGER_STACK_NAME')
      .sort();
    if (definition.settings === 'none') expect(settings).toEqual([]);
    else if (definition.settings === 'all') expect(settings).toContain('IMAGER_PUBLIC_BASE_URL');
    else expect(settings).toEqual([...definition.settings].sort());
  });
});

describe('the route table', () => {
  it('routes to API functions only, and to every one of them', () => {
    const api = functionsTriggeredBy('api');
    expect(Object.keys(HANDLERS)).toEqual(api);
    for (const route of ROUTES) expect(api, `${route.method} ${route.path}`).toContain(route.handler);
    for (const name of api) expect(ROUTES.some((route) => route.handler === name), name).toBe(true);
  });

  it.each(functionsTriggeredBy('api'))('%s is described by one of its routes', (name) => {
    const routes = ROUTES.filter((route) => route.handler === name).map((route) => `${route.method} ${route.path}`);
    expect(routes.some((route) => functionDefinition(name).description.startsWith(route)), routes.join(', ')).toBe(true);
  });
});

describe('files', () => {
  it.each(FUNCTION_NAMES)('%s: its handler file exists and exports `handler`', (name) => {
    const file = new URL(`../../functions/${functionDefinition(name).file}.ts`, import.meta.url);
    expect(existsSync(file), file.pathname).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/export\s+(const|let|async\s+function|function)\s+handler\b/);
  });

  it('events/ holds exactly one sample event per function, named after its handler file', () => {
    const files = readdirSync(EVENTS_DIR).sort();
    expect(files).toEqual(FUNCTION_NAMES.map((name) => `${functionDefinition(name).file}.json`).sort());
  });
});

/** Checks that `event` is what `trigger` delivers to the function `name`. */
function expectShapeFor(name: FunctionName, trigger: Trigger, event: Record<string, any>): void {
  switch (trigger.type) {
    case 'api': {
      // A REST API (v1) proxy event of one of the function's routes.
      const route = ROUTES.find((r) => r.handler === name && r.method === event.httpMethod && r.path === event.resource);
      expect(route, `${event.httpMethod} ${event.resource}`).toBeDefined();
      const params = matchPath(route!.path, event.path);
      expect(params, event.path).toBeDefined();
      expect(event.pathParameters ?? {}).toEqual(params);
      expect(event.requestContext).toMatchObject({ httpMethod: event.httpMethod, resourcePath: event.resource, path: `/${event.requestContext.stage}${event.path}` });
      expect(typeof event.isBase64Encoded).toBe('boolean');
      expect(event.body === null || typeof event.body === 'string').toBe(true);
      if (route!.auth === 'key') {
        expect(event.headers.Authorization).toMatch(new RegExp(AUTHORIZATION_PATTERN));
        expect(event.requestContext.authorizer).toMatchObject({ accountId: expect.any(String), keyId: expect.any(String), principalId: expect.any(String) });
      } else if (route!.auth === 'session') {
        expect(event.requestContext.authorizer.claims).toMatchObject({ sub: expect.any(String), email: expect.any(String), token_use: 'id' });
      } else {
        expect('authorizer' in event.requestContext).toBe(false);
      }
      return;
    }
    case 'authorizer':
      expect(event.type).toBe('TOKEN');
      expect(event.authorizationToken).toMatch(new RegExp(AUTHORIZATION_PATTERN));
      expect(event.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:\w+\/\w+\/(GET|POST|DELETE)\//);
      return;
    case 's3': {
      expect(event.Records.length).toBeGreaterThan(0);
      const matches = (eventName: string) => trigger.events.some((wanted) => (wanted.endsWith('*') ? eventName.startsWith(wanted.slice(0, -1)) : eventName === wanted));
      for (const record of event.Records) {
        expect(record.eventSource).toBe('aws:s3');
        expect(matches(record.eventName), record.eventName).toBe(true);
        expect(record.s3.object.key.startsWith(trigger.prefix), record.s3.object.key).toBe(true);
      }
      return;
    }
    case 'schedule':
      expect(event['detail-type']).toBe('Scheduled Event');
      expect(event.source).toBe('aws.events');
      return;
    case 'queue':
      // An SQS event source's batch: each body one webhook message (core/webhooks.ts).
      expect(event.Records.length).toBeGreaterThan(0);
      expect(event.Records.length).toBeLessThanOrEqual(trigger.batchSize);
      for (const record of event.Records) {
        expect(record.eventSource).toBe('aws:sqs');
        expect(['event', 'delivery']).toContain(JSON.parse(record.body).kind);
        expect(record.receiptHandle).toEqual(expect.any(String));
      }
      return;
    case 'url':
      // A function URL (payload 2.0) request, signed by CloudFront (IAM auth).
      expect(event).toMatchObject({ version: '2.0', routeKey: '$default', rawPath: expect.stringMatching(/^\//) });
      expect(event.requestContext.http.method).toMatch(/^(GET|HEAD)$/);
      expect(event.requestContext.authorizer.iam).toBeDefined();
      return;
  }
}

describe('sample events', () => {
  it.each(FUNCTION_NAMES)('events/ for %s fits its trigger', (name) => {
    expectShapeFor(name, functionDefinition(name).trigger, eventOf(name));
  });

  it('a shape check refuses an event of another trigger', () => {
    expect(() => expectShapeFor('Sweep', functionDefinition('Sweep').trigger, eventOf('PurgeImage'))).toThrow();
    expect(() => expectShapeFor('GetImage', functionDefinition('GetImage').trigger, eventOf('ListImages'))).toThrow();
    expect(() => expectShapeFor('FinalizeUpload', functionDefinition('FinalizeUpload').trigger, eventOf('PurgeImage'))).toThrow();
  });
});
