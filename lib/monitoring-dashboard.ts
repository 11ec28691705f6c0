import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  type Alarm,
  Dashboard,
  GraphWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { businessSeries, type StageMetric } from './monitoring-metrics';
import { NAME_LIMITS, scopedName } from './names';

/** What the dashboard shows: the monitored resources and the metrics the alarms are built on. */
export interface DashboardParts {
  readonly functions: Readonly<Record<string, LambdaFunction>>;
  readonly tables: Readonly<Record<string, ITable>>;
  readonly bucket: IBucket;
  readonly alarms: readonly Alarm[];
  readonly stageMetric: StageMetric;
  /** API requests and 5xx answers, per minute. */
  readonly requests: Metric;
  readonly serverErrors: Metric;
  /** The access log's gateway refusals (lib/monitoring.ts `ACCESS_LOG_METRICS`). */
  readonly logMetric: Readonly<Record<'GatewayThrottled' | 'GatewayQuotaExceeded' | 'AuthorizerFailures', Metric>>;
  /** Requests refused by the hourly window, per 5 minutes. */
  readonly hourly: Metric;
}

/**
 * The dashboard, named after the stack and region: alarms, requests, uploads, refusals, cold starts and
 * cost drivers. Dead-letter queues and the CDN add their widgets later (lib/monitoring.ts).
 */
export function buildDashboard(scope: Construct, parts: DashboardParts): Dashboard {
  const stack = Stack.of(scope);
  const fiveMinutes = Duration.minutes(5);
  const functions = Object.entries(parts.functions);
  const dashboard = new Dashboard(scope, 'Dashboard', {
    // Dashboards are global to the account: named after the stack and its region (lib/names.ts).
    dashboardName: scopedName(scope, 'Dashboard', NAME_LIMITS.dashboard),
    defaultInterval: Duration.hours(3),
  });
  const { stageMetric, requests, serverErrors, logMetric, hourly } = parts;
  const everyFunction = (make: (fn: IFunction) => Metric, label: (name: string) => string = (name) => name) =>
    functions.map(([name, fn]) => make(fn).with({ label: label(name) }));
  const day = Duration.days(1);

  dashboard.addWidgets(
    new TextWidget({
      markdown: `# ${stack.stackName}\nAlarms, requests, uploads, refusals, cold starts and cost drivers. Runbook: docs/operations.md.`,
      width: 24,
      height: 2,
    }),
    new AlarmStatusWidget({ title: 'Alarms', alarms: parts.alarms as Alarm[], width: 24, height: 4 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Requests and errors',
      left: [
        requests.with({ label: 'requests', period: fiveMinutes }),
        stageMetric('4XXError', Stats.SUM, fiveMinutes).with({ label: '4xx' }),
        serverErrors.with({ label: '5xx', period: fiveMinutes }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'Latency (ms)',
      left: [
        stageMetric('Latency', Stats.p(50), fiveMinutes).with({ label: 'p50' }),
        stageMetric('Latency', Stats.p(99), fiveMinutes).with({ label: 'p99' }),
        stageMetric('IntegrationLatency', Stats.p(99), fiveMinutes).with({ label: 'function p99' }),
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'Function errors and throttles',
      left: everyFunction((fn) => fn.metricErrors({ statistic: Stats.SUM, period: fiveMinutes })),
      right: everyFunction((fn) => fn.metricThrottles({ statistic: Stats.SUM, period: fiveMinutes }), (name) => `${name} throttled`),
      width: 8,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({ title: 'Uploads accepted', left: businessSeries('UploadsAccepted', Stats.SUM, fiveMinutes), width: 6 }),
    new GraphWidget({ title: 'Bytes stored', left: businessSeries('BytesStored', Stats.SUM, fiveMinutes), width: 6 }),
    new GraphWidget({ title: 'Uploads refused, by reason', left: businessSeries('UploadsRejected', Stats.SUM, fiveMinutes), width: 6 }),
    new GraphWidget({
      title: '429s by cause',
      left: [
        hourly.with({ label: 'hourly window' }),
        logMetric.GatewayThrottled.with({ label: 'usage plan throttle', period: fiveMinutes }),
        logMetric.GatewayQuotaExceeded.with({ label: 'daily quota', period: fiveMinutes }),
      ],
      width: 6,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({ title: 'Large uploads settled', left: businessSeries('FinalizeResults', Stats.SUM, fiveMinutes), width: 6 }),
    new GraphWidget({ title: 'Sweep removals', left: businessSeries('SweepRemovals', Stats.SUM, Duration.hours(1)), width: 6 }),
    new GraphWidget({ title: 'Metadata bytes removed', left: businessSeries('MetadataBytesRemoved', Stats.SUM, fiveMinutes), width: 6 }),
    new GraphWidget({ title: 'Variants rendered', left: businessSeries('VariantsRendered', Stats.SUM, fiveMinutes), width: 6 }),
  );
  const logGroups = functions.map(([, fn]) => fn.logGroup.logGroupName);
  dashboard.addWidgets(
    // From the REPORT line Lambda writes after a cold start: free to keep, Logs Insights bills
    // only the bytes a refresh scans (docs/operations.md).
    new LogQueryWidget({
      title: 'Cold starts by function (init duration, ms)',
      logGroupNames: logGroups,
      queryLines: [
        'filter @type = "REPORT" and ispresent(@initDuration)',
        'stats count(*) as coldStarts, pct(@initDuration, 50) as p50, pct(@initDuration, 99) as p99, max(@initDuration) as max by @log',
      ],
      view: LogQueryVisualizationType.TABLE,
      width: 12,
    }),
    new LogQueryWidget({
      title: 'Cold starts over time',
      logGroupNames: logGroups,
      queryLines: ['filter @type = "REPORT" and ispresent(@initDuration)', 'stats count(*) as coldStarts, avg(@initDuration) as avgInitMs by bin(15m)'],
      view: LogQueryVisualizationType.LINE,
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Cost drivers: function time (ms, billed per GB-second)',
      left: everyFunction((fn) => fn.metricDuration({ statistic: Stats.SUM, period: Duration.hours(1) })),
      width: 8,
    }),
    new GraphWidget({
      title: 'Cost drivers: DynamoDB capacity consumed',
      left: Object.entries(parts.tables).flatMap(([name, table]) => [
        table.metricConsumedReadCapacityUnits({ statistic: Stats.SUM, period: Duration.hours(1) }).with({ label: `${name} reads` }),
        table.metricConsumedWriteCapacityUnits({ statistic: Stats.SUM, period: Duration.hours(1) }).with({ label: `${name} writes` }),
      ]),
      width: 8,
    }),
    new SingleValueWidget({
      title: 'Cost drivers: images stored (daily)',
      metrics: [
        new Metric({
          namespace: 'AWS/S3',
          metricName: 'BucketSizeBytes',
          dimensionsMap: { BucketName: parts.bucket.bucketName, StorageType: 'StandardStorage' },
          statistic: Stats.AVERAGE,
          period: day,
          label: 'bytes',
        }),
        new Metric({
          namespace: 'AWS/S3',
          metricName: 'NumberOfObjects',
          dimensionsMap: { BucketName: parts.bucket.bucketName, StorageType: 'AllStorageTypes' },
          statistic: Stats.AVERAGE,
          period: day,
          label: 'objects',
        }),
      ],
      width: 8,
    }),
  );
  return dashboard;
}
