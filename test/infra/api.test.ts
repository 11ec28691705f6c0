import { beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../functions/core/api-keys';
import { JSON_CONTENT_TYPE } from '../../functions/transport/http';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../../functions/gateway-responses';
import { BINARY_MEDIA_TYPES, ROUTES } from '../../functions/routes';
import { flatten, logicalId, resourcesOfType, type Synthesized, synthImager } from './synth';

let synth: Synthesized;
let apiId: string;
/** `METHOD /path` -> the method's properties, for every method of the API (OPTIONS included). */
let methods: Map<string, Record<string, any>>;

/** Full resource paths of the API, from the Resource tree (ParentId / PathPart). */
function resourcePaths(): Map<string, string> {
  const resources = resourcesOfType(synth.template, 'AWS::ApiGateway::Resource');
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const { ParentId, PathPart } = resources[id].Properties;
    const parent = flatten(ParentId);
    const parentPath = parent === `${apiId}.RootResourceId` ? '' : pathOf(parent);
    const path = `${parentPath}/${PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const id of Object.keys(resources)) pathOf(id);
  return paths;
}

beforeAll(() => {
  synth = synthImager();
  apiId = logicalId(synth.stack.api.api);
  const paths = resourcePaths();
  methods = new Map();
  for (const method of Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Method'))) {
    const resource = flatten(method.Properties.ResourceId);
    const path = resource === `${apiId}.RootResourceId` ? '/' : paths.get(resource);
    if (path === undefined) throw new Error(`method on unknown resource ${resource}`);
    const key = `${method.Properties.HttpMethod} ${path}`;
    if (methods.has(key)) throw new Error(`two methods for ${key}`);
    methods.set(key, method.Properties);
  }
});

describe('routes', () => {
  it('has exactly the methods of the shared route table (plus CORS preflights)', () => {
    const routed = [...methods.keys()].filter((key) => !key.startsWith('OPTIONS ')).sort();
    expect(routed).toEqual(ROUTES.map((route) => `${route.method} ${route.path}`).sort());
  });

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s is a Lambda proxy integration to its own function',
    (key, route) => {
      const method = methods.get(key)!;
      const fnId = logicalId(synth.stack.functions[route.handler]);
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(method.Integration.IntegrationHttpMethod).toBe('POST');
      expect(flatten(method.Integration.Uri)).toMatch(new RegExp(`:lambda:path/2015-03-31/functions/${fnId}\\.Arn/invocations$`));
      // API Gateway may invoke the function for this method on the stage.
      const permissions = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::Permission')).filter(
        (p) => flatten(p.Properties.FunctionName) === `${fnId}.Arn` && p.Properties.Principal === 'apigateway.amazonaws.com',
      );
      const stageId = logicalId(synth.stack.api.api.deploymentStage);
      const suffix = `/${stageId}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
      expect(permissions.map((p) => flatten(p.Properties.SourceArn)).some((arn) => arn.endsWith(suffix))).toBe(true);
    },
  );

  it('puts the TOKEN authorizer and the API key requirement on every image method under /api', () => {
    const authorizerId = logicalId(synth.stack.api.node.findChild('BearerKey'));
    // The delete link sits under /api/images but takes no key: its token is the credential (below).
    const apiRoutes = ROUTES.filter((route) => route.path.startsWith('/api/images') && !route.path.endsWith('/delete/{token}'));
    // Upload, large upload, list, get, delete, the PATCH of visibility, expiry and metadata
    // (docs/edge.md, docs/apps.md), similar images, and the four routes of resumable uploads (docs/api.md).
    expect(apiRoutes.length).toBe(11);
    for (const route of apiRoutes) {
      expect(route.auth).toBe('key');
      const method = methods.get(`${route.method} ${route.path}`)!;
      expect(method.AuthorizationType).toBe('CUSTOM');
      expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
      expect(method.ApiKeyRequired).toBe(true);
      // Left to the authorizer (401), not the request validator (which would answer 400).
      expect(method.RequestParameters?.['method.request.header.Authorization']).toBeUndefined();
    }
  });

  it('leaves the delete link (GET page, POST delete) without authorizer or API key', () => {
    for (const verb of ['GET', 'POST']) {
      const method = methods.get(`${verb} /api/images/{image_id}/delete/{token}`)!;
      expect(method.AuthorizationType).toBe('NONE');
      expect(method.AuthorizerId).toBeUndefined();
      expect(method.ApiKeyRequired).toBe(false);
      expect(method.RequestParameters).toEqual({ 'method.request.path.image_id': true, 'method.request.path.token': true });
    }
  });

  it('leaves the public GET /image/{image_id} without authorizer or API key', () => {
    const method = methods.get('GET /image/{image_id}')!;
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.AuthorizerId).toBeUndefined();
    expect(method.ApiKeyRequired).toBe(false);
    expect(method.RequestParameters).toEqual({ 'method.request.path.image_id': true });
  });

  it.each(['GET /api/openapi.json', 'GET /docs'])('leaves the public reference %s without authorizer or API key', (key) => {
    const method = methods.get(key)!;
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.AuthorizerId).toBeUndefined();
    expect(method.ApiKeyRequired).toBe(false);
  });

  it('answers CORS preflights on every route resource without auth or API key', () => {
    for (const path of new Set(ROUTES.map((route) => route.path))) {
      const preflight = methods.get(`OPTIONS ${path}`);
      expect(preflight, path).toBeDefined();
      expect(preflight!.AuthorizationType).toBe('NONE');
      expect(preflight!.ApiKeyRequired).not.toBe(true);
      expect(preflight!.Integration.Type).toBe('MOCK');
    }
    for (const [key, method] of methods) {
      if (key.startsWith('OPTIONS ')) expect(method.AuthorizationType, key).toBe('NONE');
    }
  });

  it('validates required path parameters and headers on every routed method', () => {
    const validators = resourcesOfType(synth.template, 'AWS::ApiGateway::RequestValidator');
    const [validatorId, ...others] = Object.keys(validators);
    expect(others).toEqual([]);
    expect(validators[validatorId].Properties).toMatchObject({
      RestApiId: { Ref: apiId },
      ValidateRequestParameters: true,
      ValidateRequestBody: true,
    });
    for (const route of ROUTES) {
      const method = methods.get(`${route.method} ${route.path}`)!;
      expect(method.RequestValidatorId).toEqual({ Ref: validatorId });
      for (const match of route.path.matchAll(/\{([^}]+)\}/g)) {
        expect(method.RequestParameters[`method.request.path.${match[1]}`]).toBe(true);
      }
    }
  });
});

describe('REST API', () => {
  it('takes API keys from the authorizer and passes multipart bodies as binary', () => {
    synth.template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      ApiKeySourceType: 'AUTHORIZER',
      BinaryMediaTypes: [...BINARY_MEDIA_TYPES],
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(BINARY_MEDIA_TYPES).toContain('multipart/form-data');
    synth.template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
  });

  it('has one TOKEN authorizer on the Authorization header, with the validation regex and the cache TTL from context', () => {
    // (The other authorizer is the Cognito one of the account routes: test/infra/identity.test.ts.)
    const authorizers = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Authorizer')).filter((a) => a.Properties.Type === 'TOKEN');
    expect(authorizers).toHaveLength(1);
    const { Properties: authorizer } = authorizers[0];
    expect(authorizer.Type).toBe('TOKEN');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(60);
    expect(flatten(authorizer.AuthorizerUri)).toContain(`/functions/${logicalId(synth.stack.functions.Authorizer)}.Arn/invocations`);

    const pattern = new RegExp(authorizer.IdentityValidationExpression as string);
    for (let i = 0; i < 20; i += 1) expect(pattern.test(`Bearer ${generateApiKey()}`)).toBe(true);
    // The console's session: a Cognito ID token (a JWT: header, claims, an RS256 signature).
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${segment({ kid: 'abc', alg: 'RS256' })}.${segment({ sub: 'x', token_use: 'id', email: 'a@b.c' })}.${'s'.repeat(342)}`;
    expect(pattern.test(`Bearer ${jwt}`)).toBe(true);
    const refusedHeaders = [
      '',
      'Bearer',
      'Bearer ',
      `Basic ${generateApiKey()}`,
      'Bearer short',
      `Bearer ${generateApiKey()} extra`,
      `Bearer ${'a'.repeat(129)}`,
      `Bearer ${jwt} extra`,
      `Bearer ${jwt.split('.').slice(0, 2).join('.')}`,
      `Bearer ${jwt}.more`,
      `Bearer ${jwt.replace('.', '.!')}`,
    ];
    for (const refused of refusedHeaders) {
      expect(pattern.test(refused), refused).toBe(false);
    }
  });

  it('answers every gateway-made error in the envelope, with CORS and the status of functions/gateway-responses.ts', () => {
    const responses = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
    const types = Object.keys(GATEWAY_RESPONSES) as GatewayResponseType[];
    expect(responses.map((r) => r.ResponseType).sort()).toEqual([...types].sort());
    for (const type of types) {
      const definition = GATEWAY_RESPONSES[type];
      const response = responses.find((r) => r.ResponseType === type)!;
      expect(response.RestApiId).toEqual({ Ref: apiId });
      expect(response.StatusCode, type).toBe(definition.statusCode === undefined ? undefined : String(definition.statusCode));
      const headers: Record<string, string> = {
        'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
        'gatewayresponse.header.Content-Type': `'${JSON_CONTENT_TYPE}'`,
      };
      for (const [name, value] of Object.entries(definition.headers ?? {})) headers[`gatewayresponse.header.${name}`] = `'${value}'`;
      expect(response.ResponseParameters, type).toEqual(headers);
      // $context.error.messageString is substituted by API Gateway as a quoted JSON string.
      const template = response.ResponseTemplates['application/json'] as string;
      const body = JSON.parse(template.replace('$context.error.messageString', '"gateway message"'));
      expect(body, type).toEqual({ status: 'error', message: definition.message ?? 'gateway message' });
    }
    for (const type of ['THROTTLED', 'QUOTA_EXCEEDED'] as const) {
      const response = responses.find((r) => r.ResponseType === type)!;
      expect(response.StatusCode).toBe('429');
      expect(Number(String(response.ResponseParameters['gatewayresponse.header.Retry-After']).replace(/'/g, ''))).toBeGreaterThan(0);
    }
  });

  it('logs access as JSON and traces with X-Ray on the one stage', () => {
    const stages = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Stage'));
    expect(stages).toHaveLength(1);
    const stage = stages[0].Properties;
    expect(stage.StageName).toBe('v1');
    expect(stage.TracingEnabled).toBe(true);
    const accessLogs = synth.stack.api.node.findChild('AccessLogs');
    expect(flatten(stage.AccessLogSetting.DestinationArn)).toBe(
      `arn:AWS::Partition:logs:AWS::Region:AWS::AccountId:log-group:${logicalId(accessLogs)}`,
    );
    const format = JSON.parse(stage.AccessLogSetting.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(stage.MethodSettings).toEqual(
      expect.arrayContaining([expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR' })]),
    );
    expect(synth.template.toJSON().Resources[logicalId(accessLogs)].Properties.RetentionInDays).toBeGreaterThan(0);
  });
});

describe('usage plan', () => {
  /** The account meters' plan: the stage has it and the console sessions' plan, no other. */
  function usagePlan(s: Synthesized): Record<string, any> {
    const plans = resourcesOfType(s.template, 'AWS::ApiGateway::UsagePlan');
    expect(Object.keys(plans).sort()).toEqual([logicalId(s.stack.api.usagePlan), logicalId(s.stack.api.sessionsPlan)].sort());
    return plans[logicalId(s.stack.api.usagePlan)].Properties;
  }

  it('is bound to the stage with the throttle and daily quota of cdk.json, tagged so the console functions find it', () => {
    const plan = usagePlan(synth);
    expect(plan.Throttle).toEqual({ RateLimit: 20, BurstLimit: 40 });
    expect(plan.Quota).toEqual({ Limit: 24000, Period: 'DAY' });
    expect(plan.ApiStages).toHaveLength(1);
    expect(plan.ApiStages[0]).toMatchObject({ ApiId: { Ref: apiId }, Stage: { Ref: logicalId(synth.stack.api.api.deploymentStage) } });
    expect(plan.Tags).toEqual([{ Key: 'imager-usage-plan', Value: 'account-meters' }]);
    // Its keys are made at run time, one per account (functions/core/account-meters.ts): none in the template.
    const attached = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::UsagePlanKey')).map((k) => flatten(k.Properties.UsagePlanId));
    expect(attached).toEqual([logicalId(synth.stack.api.sessionsPlan)]);
  });

  it("meters every console session under one API key made by the stack, on a plan of its own without throttle or quota, whose value the authorizer is given", () => {
    const sessionsPlan = resourcesOfType(synth.template, 'AWS::ApiGateway::UsagePlan')[logicalId(synth.stack.api.sessionsPlan)].Properties;
    expect(sessionsPlan.Throttle).toBeUndefined();
    expect(sessionsPlan.Quota).toBeUndefined();
    expect(sessionsPlan.Tags).toBeUndefined();
    expect(sessionsPlan.ApiStages[0]).toMatchObject({ ApiId: { Ref: apiId }, Stage: { Ref: logicalId(synth.stack.api.api.deploymentStage) } });
    const keys = resourcesOfType(synth.template, 'AWS::ApiGateway::ApiKey');
    expect(Object.keys(keys)).toEqual([logicalId(synth.stack.api.sessionsKey)]);
    const key = keys[logicalId(synth.stack.api.sessionsKey)].Properties;
    expect(key.Enabled).toBe(true);
    // Unique per stack (its id's UUID), alphanumerics only; the same expression goes to the authorizer.
    const value = JSON.stringify(key.Value);
    expect(value).toContain('AWS::StackId');
    expect(value).toContain('imagerconsole');
    const authorizer = resourcesOfType(synth.template, 'AWS::Lambda::Function')[logicalId(synth.stack.functions.Authorizer)].Properties.Environment.Variables;
    expect(authorizer.CONSOLE_USAGE_ID).toEqual(key.Value);
    expect(flatten(authorizer.SESSION_CLIENT_ID)).toBe(logicalId(synth.stack.identity.client));
    // The ID tokens' `iss`: https:// and the pool's provider URL (which CloudFormation gives without a scheme).
    expect(authorizer.SESSION_ISSUER).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(synth.stack.identity.userPool), 'ProviderURL'] }]] });
  });

  it('takes throttle, quota and authorizer cache from -c context values', () => {
    // `cdk synth -c NAME=value` passes strings.
    const custom = synthImager({
      IMAGER_THROTTLE_RATE: '7',
      IMAGER_THROTTLE_BURST: '9',
      IMAGER_DAILY_QUOTA: '123',
      IMAGER_AUTH_CACHE_SECONDS: '0',
      IMAGER_HOURLY_LIMIT: '55',
    });
    const plan = usagePlan(custom);
    expect(plan.Throttle).toEqual({ RateLimit: 7, BurstLimit: 9 });
    expect(plan.Quota).toEqual({ Limit: 123, Period: 'DAY' });
    custom.template.hasResourceProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    const upload = custom.template.toJSON().Resources[logicalId(custom.stack.functions.UploadImage)];
    expect(upload.Properties.Environment.Variables.IMAGER_HOURLY_LIMIT).toBe('55');
  });

  it('refuses context values that are not positive integers', () => {
    expect(() => synthImager({ IMAGER_THROTTLE_RATE: 'fast' })).toThrow(/IMAGER_THROTTLE_RATE/);
    expect(() => synthImager({ IMAGER_AUTH_CACHE_SECONDS: '7200' })).toThrow(/IMAGER_AUTH_CACHE_SECONDS/);
  });
});
