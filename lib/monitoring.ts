import { Duration, Stack, Token } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../functions/adapters/emf-metrics';
import { API_KEYS_ALARM_SHARE, API_KEYS_PER_REGION } from '../functions/core/account-meters';
import { alarmTopic } from './alarm-topic';
import { buildDashboard } from './monitoring-dashboard';
import { businessMetric, type StageMetric, stageMetrics } from './monitoring-metrics';

/**
 * The numbers every alarm is built from, in one place: docs/operations.md lists the same
 * table with a runbook line each, and test/infra/monitoring.test.ts checks the template
 * against it.
 */
export const ALARM_THRESHOLDS = {
  /** Percent of API requests answered 5xx (gateway- or function-made), per minute, 3 of 5 minutes; only with >= 10 requests a minute. */
  apiServerErrorPercent: 1,
  /** API Gateway Latency p99, ms, over 5 minutes, 3 periods in a row. */
  apiLatencyP99Ms: 3000,
  /** Percent of authorizer invocations that failed (not denials: failures), per minute, 3 of 5 minutes. */
  authorizerFailurePercent: 5,
  /** Percent of API requests answered 429 (all causes), per 5 minutes, 3 periods in a row; only with >= 100 requests. */
  rateLimitedPercent: 10,
  /** CloudFront 5xxErrorRate (percent), per 5 minutes, 3 periods in a row. */
  cdnServerErrorPercent: 1,
  /** API Gateway keys Imager holds (account meters + the console's): 80% of the 10,000 per region. */
  apiGatewayKeys: API_KEYS_ALARM_SHARE * API_KEYS_PER_REGION,
  /** Percent of the transform function URL's requests that never ran the function, per 15 minutes (with >= 2 requests). */
  transformRefusedPercent: 50,
  /** Confirmed-or-not sign-ups per hour (the Cognito sender's whole day is about 50 emails). */
  signUpsPerHour: 40,
} as const;

/** Metrics Imager derives from the API access log (API Gateway publishes no count of these). */
export const ACCESS_LOG_METRICS = {
  GatewayThrottled: ['THROTTLED'],
  GatewayQuotaExceeded: ['QUOTA_EXCEEDED'],
  AuthorizerFailures: ['AUTHORIZER_FAILURE', 'AUTHORIZER_CONFIGURATION_ERROR'],
} as const;

export interface ImagerMonitoringProps {
  readonly api: RestApi;
  /** The API's access log group: its `responseType` field feeds {@link ACCESS_LOG_METRICS}. */
  readonly accessLogs: ILogGroup;
  /** Every function by its stack name. Each gets an errors and a throttles alarm (see `authorizer`, `sweep`). */
  readonly functions: Readonly<Record<string, LambdaFunction>>;
  /** The name in `functions` of the TOKEN authorizer: a denial is a function error, so it is alarmed by failure rate instead. */
  readonly authorizer: string;
  /** The name in `functions` of the scheduled sweep: its errors alarm looks at a whole hour. */
  readonly sweep: string;
  /** Every table by name: each gets a throttled-requests alarm. */
  readonly tables: Readonly<Record<string, ITable>>;
  readonly bucket: IBucket;
  /** Dead-letter queues: an alarm as soon as one holds a message. More can be added with {@link ImagerMonitoring.addDeadLetterQueue}. */
  readonly deadLetterQueues?: readonly IQueue[];
  /** The CDN in front of the images (docs/delivery.md), when there is one; or {@link ImagerMonitoring.addDistribution}. */
  readonly distribution?: IDistribution;
  /** Alarm notifications go to this address too (context `IMAGER_ALARM_EMAIL`); the topic exists either way. */
  readonly alarmEmail?: string;
  /** The name in `functions` of the function behind the CDN's function URL origin (variants): {@link ImagerMonitoring.addTransformOrigin}. */
  readonly transformOrigin?: string;
  /** The user pool and its console client: an alarm on sign-up surges. */
  readonly userPool?: { readonly pool: IUserPool; readonly client: IUserPoolClient };
}

/**
 * Alarms, one SNS topic for them, and a dashboard named after the stack and region. Plain CDK rather than
 * cdk-monitoring-constructs (docs/decisions.md says why): every construct here already has its
 * metrics, and the alarm set is small enough to read in one table.
 *
 * No metric uses a dimension that grows with use: API name and stage, function, table, queue,
 * distribution, bucket, and Imager's own bounded enums (`BUSINESS_METRICS`).
 */
export class ImagerMonitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  readonly #action: SnsAction;
  readonly #stageMetric: StageMetric;

  constructor(scope: Construct, id: string, props: ImagerMonitoringProps) {
    super(scope, id);

    this.topic = alarmTopic(this, props.alarmEmail);
    this.#action = new SnsAction(this.topic);

    this.#stageMetric = stageMetrics(props.api);

    // --- Metrics from the access log ---------------------------------------------------------
    const logMetric: Record<keyof typeof ACCESS_LOG_METRICS, Metric> = {} as never;
    for (const [name, types] of Object.entries(ACCESS_LOG_METRICS) as Array<[keyof typeof ACCESS_LOG_METRICS, readonly string[]]>) {
      const filter = new MetricFilter(this, name, {
        logGroup: props.accessLogs,
        metricNamespace: METRICS_NAMESPACE,
        metricName: name,
        filterPattern: FilterPattern.any(...types.map((type) => FilterPattern.stringValue('$.responseType', '=', type))),
        metricValue: '1',
      });
      logMetric[name] = filter.metric({ statistic: Stats.SUM, period: Duration.minutes(1) });
    }

    // --- API ---------------------------------------------------------------------------------
    const requests = this.#stageMetric('Count', Stats.SUM);
    const serverErrors = this.#stageMetric('5XXError', Stats.SUM);
    this.#alarm('ApiServerErrorRate', {
      metric: new MathExpression({
        expression: 'IF(requests >= 10, 100 * errors / requests, 0)',
        usingMetrics: { requests, errors: serverErrors },
        label: 'API 5xx (% of requests)',
        period: Duration.minutes(1),
      }),
      threshold: ALARM_THRESHOLDS.apiServerErrorPercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: 'More than 1% of API requests answered 5xx (3 of the last 5 minutes). docs/operations.md: ApiServerErrorRate.',
    });
    this.#alarm('ApiLatencyP99', {
      metric: this.#stageMetric('Latency', Stats.p(99), Duration.minutes(5)),
      threshold: ALARM_THRESHOLDS.apiLatencyP99Ms,
      evaluationPeriods: 3,
      description: 'API p99 latency above 3 s for 15 minutes. docs/operations.md: ApiLatencyP99.',
    });

    // --- Functions ---------------------------------------------------------------------------
    for (const [name, fn] of Object.entries(props.functions)) {
      if (name === props.sweep) {
        // Scheduled runs: any failed run in an hour is one alarm (the next run continues where it stopped).
        this.#alarm('SweepFailures', {
          metric: fn.metricErrors({ statistic: Stats.SUM, period: Duration.hours(1) }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          description: 'A scheduled sweep run failed in the last hour. docs/operations.md: SweepFailures.',
        });
      } else if (name !== props.authorizer) {
        this.#alarm(`${name}Errors`, {
          metric: fn.metricErrors({ statistic: Stats.SUM, period: Duration.minutes(5) }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          description: `${name} failed (threw, timed out or ran out of memory) in the last 5 minutes. docs/operations.md: <Function>Errors.`,
        });
      }
      this.#alarm(`${name}Throttles`, {
        metric: fn.metricThrottles({ statistic: Stats.SUM, period: Duration.minutes(5) }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        description: `Lambda throttled ${name} (concurrency limit) in the last 5 minutes. docs/operations.md: <Function>Throttles.`,
      });
    }
    const authorizerFn = props.functions[props.authorizer];
    if (!authorizerFn) throw new Error(`ImagerMonitoring: no function named ${props.authorizer}`);
    this.#alarm('AuthorizerFailureRate', {
      metric: new MathExpression({
        // Failures can come with no invocation at all (a configuration error): MAX keeps the rate defined.
        expression: '100 * FILL(failures, 0) / MAX([FILL(invocations, 0), 1])',
        usingMetrics: {
          failures: logMetric.AuthorizerFailures,
          invocations: authorizerFn.metricInvocations({ statistic: Stats.SUM, period: Duration.minutes(1) }),
        },
        label: 'Authorizer failures (% of invocations)',
        period: Duration.minutes(1),
      }),
      threshold: ALARM_THRESHOLDS.authorizerFailurePercent,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      description: 'More than 5% of authorizer calls failed (503 to clients; denials do not count). docs/operations.md: AuthorizerFailureRate.',
    });

    // --- 429s ----------------------------------------------------------------------------------
    const hourly = businessMetric('RateLimited', { cause: 'hourly' }, Stats.SUM, Duration.minutes(5));
    this.#alarm('RateLimitedShare', {
      metric: new MathExpression({
        expression: 'IF(requests >= 100, 100 * (FILL(hourly, 0) + FILL(throttled, 0) + FILL(quota, 0)) / requests, 0)',
        usingMetrics: {
          requests: this.#stageMetric('Count', Stats.SUM, Duration.minutes(5)),
          hourly,
          throttled: logMetric.GatewayThrottled.with({ period: Duration.minutes(5) }),
          quota: logMetric.GatewayQuotaExceeded.with({ period: Duration.minutes(5) }),
        },
        label: '429 (% of requests)',
        period: Duration.minutes(5),
      }),
      threshold: ALARM_THRESHOLDS.rateLimitedPercent,
      evaluationPeriods: 3,
      description: 'More than 10% of API requests answered 429 for 15 minutes. docs/operations.md: RateLimitedShare.',
    });

    // --- API Gateway keys: one per account, a hard 10,000 per region ----------------------------
    this.#alarm('ApiGatewayKeysCeiling', {
      metric: businessMetric('ApiGatewayKeys', {}, Stats.MAXIMUM, Duration.hours(1)),
      threshold: ALARM_THRESHOLDS.apiGatewayKeys,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // A gauge written only when an account's meter is made: between two, the last state holds.
      treatMissingData: TreatMissingData.IGNORE,
      description: 'Imager holds 80% of the 10,000 API Gateway keys a region allows (one per account with keys). docs/operations.md: ApiGatewayKeysCeiling.',
    });

    // --- Tables ----------------------------------------------------------------------------------
    for (const [name, table] of Object.entries(props.tables)) {
      this.#alarm(`${name}TableThrottles`, {
        metric: new MathExpression({
          expression: 'FILL(reads, 0) + FILL(writes, 0)',
          usingMetrics: {
            reads: table.metric('ReadThrottleEvents', { statistic: Stats.SUM, period: Duration.minutes(5) }),
            writes: table.metric('WriteThrottleEvents', { statistic: Stats.SUM, period: Duration.minutes(5) }),
          },
          label: `${name} throttled requests`,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        description: `DynamoDB throttled requests on the ${name} table in the last 5 minutes. docs/operations.md: <Table>TableThrottles.`,
      });
    }

    this.dashboard = buildDashboard(this, {
      functions: props.functions,
      tables: props.tables,
      bucket: props.bucket,
      // The list itself: alarms added later (dead-letter queues, the CDN) show up in the widget too.
      alarms: this.alarms,
      stageMetric: this.#stageMetric,
      requests,
      serverErrors,
      logMetric,
      hourly,
    });
    for (const queue of props.deadLetterQueues ?? []) this.addDeadLetterQueue(queue);
    if (props.distribution) this.addDistribution(props.distribution);
    if (props.transformOrigin) {
      const transform = props.functions[props.transformOrigin];
      if (!transform) throw new Error(`ImagerMonitoring: no function named ${props.transformOrigin}`);
      this.addTransformOrigin(transform);
    }
    if (props.userPool) this.addUserPool(props.userPool.pool, props.userPool.client);
  }

  /**
   * Variants that stop rendering: a broken origin access control or invoke permission makes the
   * function URL refuse CloudFront (403) before the function runs, and the distribution's 403 ->
   * 404 mapping shows viewers only "Image not found". The URL's own request count against the
   * function's invocations (and throttles, which have their alarm) is what tells them apart.
   */
  addTransformOrigin(fn: LambdaFunction): Alarm {
    const period = Duration.minutes(15);
    const requests = fn.metric('UrlRequestCount', { statistic: Stats.SUM, period });
    const refused = new MathExpression({
      expression: 'IF(requests >= 2, 100 * (requests - FILL(invocations, 0) - FILL(throttles, 0)) / requests, 0)',
      usingMetrics: { requests, invocations: fn.metricInvocations({ statistic: Stats.SUM, period }), throttles: fn.metricThrottles({ statistic: Stats.SUM, period }) },
      label: 'Function URL requests refused before the function ran (%)',
      period,
    });
    this.dashboard.addWidgets(new GraphWidget({ title: 'Variant origin: refused before rendering (%)', left: [refused], width: 8 }));
    return this.#alarm('TransformOriginRefused', {
      metric: refused,
      threshold: ALARM_THRESHOLDS.transformRefusedPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      description: 'Half or more of the transform function URL requests never reached the function: variants are not rendering (viewers see 404). docs/operations.md: TransformOriginRefused.',
    });
  }

  /** Sign-ups above what a real audience makes in an hour: someone is exhausting the confirmation emails. */
  addUserPool(pool: IUserPool, client: IUserPoolClient): Alarm {
    const signUps = new Metric({
      namespace: 'AWS/Cognito',
      metricName: 'SignUpSuccesses',
      dimensionsMap: { UserPool: pool.userPoolId, UserPoolClient: client.userPoolClientId },
      statistic: Stats.SUM,
      period: Duration.hours(1),
    });
    this.dashboard.addWidgets(new GraphWidget({ title: 'Sign-ups per hour', left: [signUps], width: 8 }));
    return this.#alarm('SignUpSurge', {
      metric: signUps,
      threshold: ALARM_THRESHOLDS.signUpsPerHour,
      evaluationPeriods: 1,
      description: 'More sign-ups in an hour than the threshold: possible sign-up abuse (confirmation emails). docs/operations.md: SignUpSurge.',
    });
  }

  /** Alarms as soon as `queue` holds a message, and shows its depth on the dashboard. */
  addDeadLetterQueue(queue: IQueue): Alarm {
    const depth = queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period: Duration.minutes(1) });
    const alarm = this.#alarm(`DeadLetters${this.#suffix(queue)}`, {
      metric: depth,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      description: 'A dead-letter queue holds a message: work failed after all its retries. docs/operations.md: DeadLetters<Queue>.',
    });
    this.dashboard.addWidgets(new GraphWidget({ title: `Dead letters: ${queue.node.id}`, left: [depth], width: 6 }));
    return alarm;
  }

  /**
   * CloudFront 5xx rate on the dashboard, and an alarm on it. CloudFront publishes its metrics in
   * us-east-1 only and an alarm can only watch metrics of its own region: the alarm is made when
   * the stack is in us-east-1 or region-agnostic (docs/operations.md), the widget always.
   */
  addDistribution(distribution: IDistribution): Alarm | undefined {
    const cdnMetric = (metricName: string, stat: string) =>
      new Metric({
        namespace: 'AWS/CloudFront',
        metricName,
        dimensionsMap: { DistributionId: distribution.distributionId, Region: 'Global' },
        statistic: stat,
        period: Duration.minutes(5),
      });
    const region = Stack.of(this).region;
    const inUsEast1 = Token.isUnresolved(region) || region === 'us-east-1';
    const global = (metric: Metric) => (inUsEast1 ? metric : metric.with({ region: 'us-east-1' }));
    const errorRate = cdnMetric('5xxErrorRate', Stats.AVERAGE);
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'CDN 5xx (%)', left: [global(errorRate)], width: 8 }),
      new GraphWidget({ title: 'CDN requests', left: [global(cdnMetric('Requests', Stats.SUM))], width: 8 }),
      new GraphWidget({ title: 'CDN bytes out (cost driver)', left: [global(cdnMetric('BytesDownloaded', Stats.SUM))], width: 8 }),
    );
    if (!inUsEast1) return undefined;
    return this.#alarm('CdnServerErrorRate', {
      metric: errorRate,
      threshold: ALARM_THRESHOLDS.cdnServerErrorPercent,
      evaluationPeriods: 3,
      description: 'More than 1% of CDN responses were 5xx for 15 minutes. docs/operations.md: CdnServerErrorRate.',
    });
  }

  #suffix(construct: Construct): string {
    return construct.node.id.replace(/[^A-Za-z0-9]/g, '');
  }

  #alarm(
    id: string,
    options: {
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      datapointsToAlarm?: number;
      comparisonOperator?: ComparisonOperator;
      treatMissingData?: TreatMissingData;
      description: string;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No traffic is not a failure: a quiet API must not alarm.
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(this.#action);
    alarm.addOkAction(this.#action);
    this.alarms.push(alarm);
    return alarm;
  }
}
