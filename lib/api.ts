import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
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
import { GATEWAY_RESPONSES, type GatewayResponseType } from '../functions/gateway-responses';
import { BEARER_KEY_PATTERN } from '../functions/core/api-keys';
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

/** The identity validation expression: malformed headers are refused before the authorizer runs. */
export const AUTHORIZATION_PATTERN = BEARER_KEY_PATTERN;

/**
 * The REST API: routes from the shared route table, the TOKEN authorizer (which also supplies
 * the usage-plan key: apiKeySourceType AUTHORIZER), the usage plan, CORS, access logs, and a
 * gateway response in the envelope for everything API Gateway answers itself.
 */
export class ImagerApi extends Construct {
  readonly api: RestApi;
  readonly usagePlan: UsagePlan;
  readonly stageName: string;
  /** The stage's access log (JSON, one line per request, with the gateway response type). */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ImagerApiProps) {
    super(scope, id);
    this.stageName = props.stageName ?? 'v1';
    const accessLogs = (this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH }));

    this.api = new RestApi(this, 'Api', {
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
        // The stage-wide `/*/*` setting: every method, all callers together (per key: the usage plan).
        throttlingRateLimit: props.methodThrottle.rate,
        throttlingBurstLimit: props.methodThrottle.burst,
        methodOptions: publicMethodThrottles(props.publicThrottle),
      },
      defaultCorsPreflightOptions: {
        allowOrigins: Cors.ALL_ORIGINS,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: Duration.minutes(10),
      },
    });

    const [authorizerName, ...others] = functionsTriggeredBy('authorizer');
    if (authorizerName === undefined || others.length > 0) throw new Error('the function table must have exactly one authorizer');
    const authorizer = new TokenAuthorizer(this, 'BearerKey', {
      handler: props.functions[authorizerName],
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
      resource.addMethod(route.method, new LambdaIntegration(props.functions[route.handler], { proxy: true }), {
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
      description: 'Imager API keys: throttle and daily quota (the exact hourly limit is in DynamoDB)',
      throttle: { rateLimit: props.throttleRate, burstLimit: props.throttleBurst },
      quota: { limit: props.dailyQuota, period: Period.DAY },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    // Keys made in the console are API Gateway keys on this usage plan, like the CLI's.
    for (const name of FUNCTION_NAMES) {
      for (const grant of functionDefinition(name).grants) {
        if (grant.kind !== 'api-keys') continue;
        const fn = props.functions[name as StackFunctionName];
        if (grant.lifecycle === 'create') this.allowKeyCreation(fn);
        else this.allowKeyRevocation(fn, name);
      }
    }
    this.acknowledgeFindings();
  }

  /**
   * Lets functions issue keys the way `npm run keys -- create --stack` does (`issueKey`): create
   * an API Gateway key holding the key's usage identifier, attach it to this usage plan, and
   * delete both again if the key record cannot be written; the plan is found from the stage
   * (GET /usageplans). Each action on its own resource.
   */
  private allowKeyCreation(fn: LambdaFunction): void {
    this.keyPolicy(fn, 'KeyCreation', [
      new PolicyStatement({ actions: ['apigateway:POST'], resources: [this.apigw('/apikeys'), this.apigw(`/usageplans/${this.usagePlan.usagePlanId}/keys`)] }),
      new PolicyStatement({ actions: ['apigateway:GET'], resources: [this.apigw('/usageplans')] }),
      new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [this.apigw('/apikeys/*'), this.apigw(`/usageplans/${this.usagePlan.usagePlanId}/keys/*`)] }),
    ]);
  }

  /**
   * Lets functions revoke keys as `npm run keys -- revoke --stack` does: detach the API Gateway
   * key from this plan and delete it (so it stops counting toward the 10,000 keys), flush the
   * stage's authorizer cache.
   */
  private allowKeyRevocation(fn: LambdaFunction, name: string): void {
    // The first function keeps the policy's first id (RevokeAccountKey's); the others are named after themselves.
    this.keyPolicy(fn, this.node.tryFindChild('KeyRevocation') ? `KeyRevocation${name}` : 'KeyRevocation', [
      new PolicyStatement({ actions: ['apigateway:GET'], resources: [this.apigw('/usageplans')] }),
      new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [this.apigw('/apikeys/*'), this.apigw(`/usageplans/${this.usagePlan.usagePlanId}/keys/*`)] }),
      new PolicyStatement({
        actions: ['apigateway:DELETE'],
        // The literal stage name, not the stage's Ref: the stage depends on the methods, which depend on these functions.
        resources: [this.apigw(`/restapis/${this.api.restApiId}/stages/${this.stageName}/cache/authorizers`)],
      }),
    ]);
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
            : 'The public image link (GET /image/{image_id}) is meant to be opened by anyone who has the URL, like a shared photo link; the 128-bit random id is the capability, and the answer is only a 301 to the CDN URL (it reads no storage).',
        );
      }
    }

    acknowledge(
      this.api.deploymentStage,
      'AwsSolutions-APIG3',
      'Without WAF, abuse is bounded in three layers: stage and method throttles (every method, all callers together, which applies before the authorizer and so also caps how often random well-formed tokens can invoke it; a lower one on each unauthenticated method: the public view and CORS preflights), reserved concurrency per function (a flood on one route cannot take the others\' capacity), and per key the usage plan (throttle, daily quota) and the exact hourly window in DynamoDB. Per-key limits do not stop unauthenticated or random-token floods; the stage throttles do, at the price of also refusing legitimate callers during one. A WAF web ACL (a monthly charge per ACL and rule) is left to deployments that need per-IP rules.',
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
