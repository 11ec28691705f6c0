import { Aws, type CfnResource, Duration, Fn, Stack, Tags } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKey,
  ApiKeySourceType,
  AuthorizationType,
  Cors,
  type IAuthorizer,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  Period,
  type Resource,
  ResponseType,
  RestApi,
  TokenAuthorizer,
  type UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METERS_PLAN_TAG } from '../functions/adapters/api-gateway-usage-keys';
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../functions/gateway-responses';
import { API_KEY_STACK_TAG, BEARER_PATTERN } from '../functions/core/api-keys';
import { JSON_CONTENT_TYPE } from '../functions/transport/http';
import { FUNCTION_NAMES, functionDefinition, functionsTriggeredBy } from '../functions/function-table';
import { BINARY_MEDIA_TYPES, ROUTES } from '../functions/routes';
import type { StackFunctionName } from './functions';
import { acknowledge, nagPseudo } from './nag';

export interface ImagerApiProps {
  /**
   * The functions of the function table: the one behind each route of the route table, the
   * TOKEN authorizer (trigger `authorizer`), and those whose grants manage API keys.
   */
  readonly functions: Readonly<Record<StackFunctionName, LambdaFunction>>;
  /** The authorizer of the account routes (`auth: 'session'`): the Cognito user pool's. */
  readonly sessionAuthorizer: IAuthorizer;
  /**
   * The user pool whose ID tokens the TOKEN authorizer also accepts on the image routes (the
   * console's session, docs/accounts-and-console.md): its issuer URL and the console's app client.
   */
  readonly sessions: { readonly issuer: string; readonly clientId: string };
  /** Authorizer result cache, in seconds (0 disables it). */
  readonly authCacheSeconds: number;
  readonly throttleRate: number;
  readonly throttleBurst: number;
  readonly dailyQuota: number;
  /**
   * Stage throttle for every method, all clients together. It applies before the authorizer,
   * so it also bounds how often a flood of well-formed random tokens (each a cache miss) can
   * invoke the authorizer and read the keys table.
   */
  readonly methodThrottle: Throttle;
  /** Throttle of each unauthenticated method (public view, CORS preflights), all clients together. */
  readonly publicThrottle: Throttle;
  readonly stageName?: string;
}

export interface Throttle {
  /** Steady requests per second. */
  readonly rate: number;
  readonly burst: number;
}

/**
 * Every resource path of the route table, with its parents and the root: each carries a CORS
 * preflight (OPTIONS) method, which needs no key and so gets the public throttle.
 */
export function resourcePaths(): string[] {
  const paths = new Set<string>(['/']);
  for (const route of ROUTES) {
    const parts = route.path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i += 1) paths.add(`/${parts.slice(0, i).join('/')}`);
  }
  return [...paths].sort();
}

/** Method settings (`resourcePath/METHOD`) that throttle each unauthenticated method on its own. */
export function publicMethodThrottles(throttle: Throttle): Record<string, MethodDeploymentOptions> {
  const settings: Record<string, MethodDeploymentOptions> = {};
  const limits = { throttlingRateLimit: throttle.rate, throttlingBurstLimit: throttle.burst };
  for (const route of ROUTES.filter((r) => r.auth === 'none')) settings[`${route.path}/${route.method}`] = limits;
  for (const path of resourcePaths()) settings[`${path === '/' ? '/' : path}/OPTIONS`] = limits;
  return settings;
}

/**
 * CDK's standard JSON access-log fields plus `responseType`: the gateway response a request got
 * (THROTTLED, QUOTA_EXCEEDED, AUTHORIZER_FAILURE...), which API Gateway publishes no metric for
 * (lib/monitoring.ts counts them with metric filters), and the caller's key id.
 */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    ip: AccessLogField.contextIdentitySourceIp(),
    user: AccessLogField.contextIdentityUser(),
    caller: AccessLogField.contextIdentityCaller(),
    requestTime: AccessLogField.contextRequestTime(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    status: AccessLogField.contextStatus(),
    protocol: AccessLogField.contextProtocol(),
    responseLength: AccessLogField.contextResponseLength(),
    responseType: AccessLogField.contextErrorResponseType(),
    // The key id (not the key) the authorizer resolved: which keys are being refused (docs/operations.md).
    keyId: AccessLogField.contextAuthorizer('keyId'),
  }),
);

/** The public documentation routes (docs/api.md). */
const REFERENCE_ROUTES = new Set(['GET /api/openapi.json', 'GET /docs']);
/** The delete link of an upload (docs/api.md#delete-links): the token in its path is the credential. */
const DELETE_LINK_PATH = '/api/images/{image_id}/delete/{token}';

/**
 * The identity validation expression: an API key or a session token (JWT); malformed headers
 * are refused before the authorizer runs.
 */
export const AUTHORIZATION_PATTERN = BEARER_PATTERN;

/**
 * The REST API: routes from the shared route table, the TOKEN authorizer (which also supplies
 * the usage-plan key: apiKeySourceType AUTHORIZER), the usage plan, CORS, access logs, and a
 * gateway response in the envelope for everything API Gateway answers itself.
 */
export class ImagerApi extends Construct {
  readonly api: RestApi;
  /** The plan of the account meters: one API Gateway key per account (docs/quotas.md). */
  readonly usagePlan: UsagePlan;
  /** The plan of the console's sessions: the stack's one API key for all of them, made here. */
  readonly sessionsPlan: UsagePlan;
  readonly sessionsKey: ApiKey;
  readonly stageName: string;
  /** The stage's access log (JSON, one line per request, with the gateway response type). */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ImagerApiProps) {
    super(scope, id);
    this.stageName = props.stageName ?? 'v1';
    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH }));

    this.api = new RestApi(this, 'Api', {
      // Named after the stack: its metrics (ApiName) are not merged with another API of the region.
      restApiName: Stack.of(this).stackName,
      description: 'Imager image hosting API',
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.AUTHORIZER,
      binaryMediaTypes: [...BINARY_MEDIA_TYPES],
      cloudWatchRole: true,
      deployOptions: {
        stageName: this.stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        loggingLevel: MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        metricsEnabled: true,
        // The stage-wide `/*/*` setting: every method, all callers together (per account: the usage plan).
        throttlingRateLimit: props.methodThrottle.rate,
        throttlingBurstLimit: props.methodThrottle.burst,
        methodOptions: publicMethodThrottles(props.publicThrottle),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: Cors.ALL_ORIGINS,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        // Idempotency-Key: the typed client sends one with every upload (docs/api.md#idempotent-uploads).
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
        maxAge: Duration.minutes(10),
      },
    });

    const [authorizerName, ...others] = functionsTriggeredBy('authorizer');
    if (authorizerName === undefined || others.length > 0) throw new Error('the function table must have exactly one authorizer');
    const authorizerFn = props.functions[authorizerName];
    const authorizer = new TokenAuthorizer(this, 'BearerKey', {
      handler: authorizerFn,
      identitySource: 'method.request.header.Authorization',
      validationRegex: AUTHORIZATION_PATTERN,
      resultsCacheTtl: Duration.seconds(props.authCacheSeconds),
    });

    // Parameters: the path parameters must be present. The Authorization header is deliberately
    // not a required parameter: the TOKEN authorizer's identity source already answers a missing
    // header with 401, and a validator failure would answer 400 instead.
    // Bodies are checked only where a model is attached, and none is: they are multipart images
    // or small JSON documents that the handlers validate (a 4xx in the envelope).
    const validator = this.api.addRequestValidator('Requests', { validateRequestParameters: true, validateRequestBody: true });

    for (const route of ROUTES) {
      const resource = this.resourceFor(route.path);
      const requestParameters: Record<string, boolean> = {};
      for (const match of route.path.matchAll(/\{([^}]+)\}/g)) requestParameters[`method.request.path.${match[1]}`] = true;
      // No test-invoke permission: the console's Test button is not worth one more resource per
      // route (the stack's 500-resource ceiling, docs/aws-limits.md); the stage's own one stays.
      resource.addMethod(route.method, new LambdaIntegration(props.functions[route.handler], { proxy: true, allowTestInvoke: false }), {
        // Image routes: the key authorizer, which also names the usage-plan key. Account routes:
        // the Cognito authorizer on the session's ID token, no API key (a person, not a program).
        authorizer: route.auth === 'key' ? authorizer : route.auth === 'session' ? props.sessionAuthorizer : undefined,
        authorizationType: route.auth === 'session' ? AuthorizationType.COGNITO : undefined,
        apiKeyRequired: route.auth === 'key',
        requestParameters,
        requestValidator: validator,
      });
    }

    for (const [type, definition] of Object.entries(GATEWAY_RESPONSES) as Array<[GatewayResponseType, (typeof GATEWAY_RESPONSES)[GatewayResponseType]]>) {
      const message = definition.message === undefined ? '$context.error.messageString' : JSON.stringify(definition.message);
      const headers: Record<string, string> = {
        'Access-Control-Allow-Origin': "'*'",
        'Content-Type': `'${JSON_CONTENT_TYPE}'`,
      };
      for (const [name, value] of Object.entries(definition.headers ?? {})) headers[name] = `'${value}'`;
      this.api.addGatewayResponse(`Response${type}`, {
        type: ResponseType.of(type),
        statusCode: definition.statusCode === undefined ? undefined : String(definition.statusCode),
        responseHeaders: headers,
        templates: { 'application/json': `{"status":"error","message":${message}}` },
      });
    }

    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      description: 'Imager accounts (one API key each, every key of the account metered under it): throttle and daily quota (the exact hourly limit per key is in DynamoDB)',
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      quota: { limit: props.dailyQuota, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    // Tagged, so the console's functions can tell it from the sessions' plan on the same stage.
    Tags.of(this.usagePlan).add(METERS_PLAN_TAG.key, METERS_PLAN_TAG.value);

    // Console sessions: one API key for all of them, made here, never at run time, so signing in
    // and out calls no API Gateway API. Its own plan without throttle or quota: it is shared by
    // every signed-in person, each held to their account's hourly window in DynamoDB instead.
    // Its value only names a meter (the key source is the authorizer, no client can send it),
    // unique per stack: the stack id's UUID, alphanumerics only.
    const sessionsUsageId = Fn.join('', ['imagerconsole', Fn.join('', Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))))]);
    this.sessionsKey = new ApiKey(this, 'ConsoleSessionsKey', {
      description: 'Imager console sessions: every signed-in person\'s image requests are metered under it (value: a stack-unique name, not a secret)',
      value: sessionsUsageId,
    });
    this.sessionsPlan = this.api.addUsagePlan('ConsoleSessionsPlan', {
      description: 'Imager console sessions (one shared key; each account held to its hourly window in DynamoDB)',
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.sessionsPlan.addApiKey(this.sessionsKey);
    authorizerFn.addEnvironment('SESSION_ISSUER', props.sessions.issuer);
    authorizerFn.addEnvironment('SESSION_CLIENT_ID', props.sessions.clientId);
    authorizerFn.addEnvironment('CONSOLE_USAGE_ID', sessionsUsageId);

    // An account's first key makes its meter: an API Gateway key on this plan, as the CLI does.
    for (const name of FUNCTION_NAMES) {
      for (const grant of functionDefinition(name).grants) {
        if (grant.kind !== 'api-keys') continue;
        const fn = props.functions[name as StackFunctionName];
        if (grant.lifecycle === 'create') this.allowKeyCreation(fn);
        else if (grant.lifecycle === 'delete') this.keyPolicy(fn, `KeyDeletion${name}`, [new PolicyStatement({ actions: ['apigateway:GET'], resources: [this.apigw('/usageplans')] }), ...this.keyDeletion()]);
        else this.allowCacheFlush(fn, name);
      }
    }
    this.acknowledgeFindings();
  }

  /**
   * Lets functions make account meters the way `npm run keys -- create --stack` does
   * (`accountMeter`): create an API Gateway key holding the account's usage identifier, attach it
   * to this usage plan, and delete both again if the meter cannot be stored (or another request
   * stored the account's meter first); the plan is found from the stage (GET /usageplans) by its
   * tag. Each action on its own resource. Revoking needs none of it: it calls no API Gateway API.
   */
  private allowKeyCreation(fn: LambdaFunction): void {
    this.keyPolicy(fn, 'KeyCreation', [
      new PolicyStatement({ actions: ['apigateway:POST'], resources: [this.apigw('/apikeys'), this.apigw(`/usageplans/${this.usagePlan.usagePlanId}/keys`)] }),
      new PolicyStatement({ actions: ['apigateway:GET'], resources: [this.apigw('/usageplans')] }),
      ...this.keyDeletion(),
    ]);
  }

  /**
   * Deleting a key from this plan, and deleting the key itself only if it carries this stack's
   * tag (every key Imager creates does): the region's other API keys stay out of reach.
   */
  private keyDeletion(): PolicyStatement[] {
    return [
      new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [this.apigw(`/usageplans/${this.usagePlan.usagePlanId}/keys/*`)] }),
      new PolicyStatement({
        actions: ['apigateway:DELETE'],
        resources: [this.apigw('/apikeys/*')],
        conditions: { StringEquals: { [`aws:ResourceTag/${API_KEY_STACK_TAG}`]: Stack.of(this).stackName } },
      }),
    ];
  }

  /**
   * Lets a function forget the stage's cached authorizer answers (account deletion: its keys and
   * sessions stop at once, not after the cache's TTL). Rare by design: a flush makes every
   * caller's next request an authorizer call.
   */
  private allowCacheFlush(fn: LambdaFunction, name: string): void {
    const policy = new Policy(this, `AuthorizerCacheFlush${name}`, {
      statements: [
        new PolicyStatement({
          actions: ['apigateway:DELETE'],
          // The literal stage name, not the stage's Ref: the stage depends on the methods, which depend on these functions.
          resources: [this.apigw(`/restapis/${this.api.restApiId}/stages/${this.stageName}/cache/authorizers`)],
        }),
      ],
    });
    if (fn.role) policy.attachToRole(fn.role);
    fn.addEnvironment('REST_API_ID', this.api.restApiId);
    fn.addEnvironment('STAGE_NAME', this.stageName);
  }

  private apigw(path: string): string {
    const { region, partition } = Stack.of(this);
    return `arn:${partition}:apigateway:${region}::${path}`;
  }

  /**
   * A separate policy, not the function's default one: that must not name the usage plan
   * (plan -> stage -> methods -> function -> default policy would be a cycle).
   */
  private keyPolicy(fn: LambdaFunction, id: string, statements: PolicyStatement[]): void {
    const policy = new Policy(this, id, { statements });
    if (fn.role) policy.attachToRole(fn.role);
    fn.addEnvironment('REST_API_ID', this.api.restApiId);
    fn.addEnvironment('STAGE_NAME', this.stageName);
    fn.addEnvironment('IMAGER_STACK_NAME', Stack.of(this).stackName);
    const reason =
      'API keys are created at run time with ids API Gateway chooses (/apikeys/<id>, /usageplans/<plan>/keys/<id>); the wildcard covers only those ids, under this usage plan or the key collection, for the actions the key lifecycle needs.';
    const plan = Stack.of(this).resolve((this.usagePlan.node.defaultChild as CfnResource).logicalId) as string;
    const wildcards = ['/apikeys/*', `/usageplans/<${plan}>/keys/*`];
    const { partition, region } = Stack.of(this);
    for (const path of wildcards) {
      acknowledge(policy, `AwsSolutions-IAM5[Resource::arn:${nagPseudo(partition, 'Partition')}:apigateway:${nagPseudo(region, 'Region')}::${path}]`, reason);
    }
  }

  /** The API's authorization model, its abuse bounds without WAF, and API Gateway's logging role. */
  private acknowledgeFindings(): void {
    const routeKey = (method: string, path: string) => `${method} ${path}`;
    const publicRoutes = new Set(ROUTES.filter((route) => route.auth === 'none').map((route) => routeKey(route.method, route.path)));
    const sessionRoutes = new Set(ROUTES.filter((route) => route.auth === 'session').map((route) => routeKey(route.method, route.path)));
    for (const method of this.api.methods as Method[]) {
      if (method.httpMethod === 'OPTIONS') continue;
      const route = routeKey(method.httpMethod, method.resource.path);
      // Account routes use the Cognito user pool authorizer: COG4 is satisfied there.
      if (sessionRoutes.has(route)) continue;
      acknowledge(
        method,
        'AwsSolutions-COG4',
        'Clients are programs holding API keys, not Cognito users (docs/api.md): /api methods use the Lambda TOKEN authorizer on "Authorization: Bearer <key>", which also supplies the usage-plan key.',
      );
      if (publicRoutes.has(route)) {
        acknowledge(
          method,
          'AwsSolutions-APIG4',
          REFERENCE_ROUTES.has(route)
            ? 'The API description (GET /api/openapi.json) and its reference page (GET /docs) are public documentation (docs/api.md), like any API reference: they read no data and reveal only the contract.'
            : method.resource.path === DELETE_LINK_PATH
              ? 'The delete link an upload answers (docs/api.md#delete-links) is a capability URL for tools that can only open a link: the 256-bit random token in its path is the credential, checked against the hash kept on the image record; GET only shows a confirmation page, and only its form POST deletes.'
              : 'The public image link (GET /image/{image_id}) is meant to be opened by anyone who has the URL, like a shared photo link; the 128-bit random id is the capability, and the answer is only a 301 to the CDN URL (it reads no storage).',
        );
      }
    }

    acknowledge(
      this.api.deploymentStage,
      'AwsSolutions-APIG3',
      'Without WAF, abuse is bounded in three layers: stage and method throttles (every method, all callers together, which applies before the authorizer and so also caps how often random well-formed tokens can invoke it; a lower one on each unauthenticated method: the public view and CORS preflights), reserved concurrency per function (a flood on one route cannot take the others\' capacity), and per account the usage plan (throttle, daily quota) and per key the exact hourly window in DynamoDB. Per-key limits do not stop unauthenticated or random-token floods; the stage throttles do, at the price of also refusing legitimate callers during one. A WAF web ACL (a monthly charge per ACL and rule) is left to deployments that need per-IP rules.',
    );

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      acknowledge(
        cloudWatchRole,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        'The account-level role API Gateway uses to write execution and access logs; AWS documents this managed policy for it, and API Gateway creates its log groups by name at run time.',
      );
    }
  }

  private resourceFor(path: string): Resource {
    let resource = this.api.root as Resource;
    for (const part of path.split('/').filter(Boolean)) {
      resource = (resource.getResource(part) as Resource | undefined) ?? resource.addResource(part);
    }
    return resource;
  }
}
