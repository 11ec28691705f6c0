import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_METRICS, METRICS_NAMESPACE, SERVICE_NAME } from '../../functions/adapters/emf-metrics';
import { FUNCTION_NAMES } from '../../functions/function-table';
import { ImagerStack } from '../../lib/imager-stack';
import { ACCESS_LOG_METRICS, ALARM_THRESHOLDS } from '../../lib/monitoring';
import { CDK_JSON_CONTEXT, checkedTemplate, flatten, logicalId, resourcesOfType, TEST_CONTEXT, type TemplateResource } from './synth';

/** Every function of the function table, the transform function included. */
const ALL_FUNCTIONS = FUNCTION_NAMES;

interface ExpectedAlarm {
  readonly threshold: number;
  readonly comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold';
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm?: number;
  /** Period (s) of every metric the alarm reads. */
  readonly period: number;
  /** How missing data counts: not breaching (no traffic is not a failure) unless said. */
  readonly treatMissingData?: 'notBreaching' | 'ignore';
}

const GT = 'GreaterThanThreshold';
const GTE = 'GreaterThanOrEqualToThreshold';

/** Every alarm of the stack (its CDN and the dead-letter queues of PurgeImage, AnalyzeImage, BuildAccountExport and EraseAccount) plus a queue added later: id -> what it must be. */
const EXPECTED: Record<string, ExpectedAlarm> = {
  ApiServerErrorRate: { threshold: ALARM_THRESHOLDS.apiServerErrorPercent, comparison: GT, evaluationPeriods: 5, datapointsToAlarm: 3, period: 60 },
  ApiLatencyP99: { threshold: 3000, comparison: GT, evaluationPeriods: 3, period: 300 },
  AuthorizerFailureRate: { threshold: 5, comparison: GT, evaluationPeriods: 5, datapointsToAlarm: 3, period: 60 },
  RateLimitedShare: { threshold: 10, comparison: GT, evaluationPeriods: 3, period: 300 },
  SweepFailures: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 3600 },
  ImagesTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  KeysTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  CountersTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  LookupsTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  ExportsTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  WebhooksTableThrottles: { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 },
  DeadLettersPurgeDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  DeadLettersAnalyzeDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  DeadLettersExportDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  DeadLettersEraseDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  DeadLettersFinalizeDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  TransformOriginRefused: { threshold: ALARM_THRESHOLDS.transformRefusedPercent, comparison: GTE, evaluationPeriods: 1, period: 900 },
  SignUpSurge: { threshold: ALARM_THRESHOLDS.signUpsPerHour, comparison: GT, evaluationPeriods: 1, period: 3600 },
  // The webhook queue's (lib/webhooks.ts): a message received too often.
  DeadLettersWebhookDeadLetters: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  DeadLettersLaterDlq: { threshold: 0, comparison: GT, evaluationPeriods: 1, period: 60 },
  CdnServerErrorRate: { threshold: 1, comparison: GT, evaluationPeriods: 3, period: 300 },
  // A gauge written when an account's meter is made: between two, its last state holds.
  ApiGatewayKeysCeiling: { threshold: 8000, comparison: GTE, evaluationPeriods: 1, period: 3600, treatMissingData: 'ignore' },
  // Every function but the authorizer (its failure rate) and the sweep (SweepFailures, hourly).
  ...Object.fromEntries(ALL_FUNCTIONS.filter((name) => name !== 'Authorizer' && name !== 'Sweep').map((name) => [`${name}Errors`, { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 }])),
  ...Object.fromEntries(ALL_FUNCTIONS.map((name) => [`${name}Throttles`, { threshold: 1, comparison: GTE, evaluationPeriods: 1, period: 300 }])),
};

/** Dimension names a metric may carry: each names a resource of the stack or a bounded enum. */
const AWS_DIMENSIONS = new Set(['ApiName', 'Stage', 'FunctionName', 'TableName', 'QueueName', 'DistributionId', 'Region', 'BucketName', 'StorageType', 'UserPool', 'UserPoolClient']);

interface MetricRef {
  readonly where: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
}

function stackWith(options: { region?: string; context?: Record<string, unknown>; extras?: boolean }): { stack: ImagerStack; template: Template } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...options.context, ...TEST_CONTEXT } });
  const stack = new ImagerStack(app, 'Test', options.region ? { env: { region: options.region } } : {});
  if (options.extras) {
    // A dead-letter queue added after the stack was composed (e.g. one for finalize) plugs in too.
    stack.monitoring.addDeadLetterQueue(new Queue(stack, 'LaterDlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true }));
  }
  return { stack, template: checkedTemplate(stack) };
}

/** Every metric an alarm reads, with its dimensions flattened to strings. */
function alarmMetrics(id: string, alarm: TemplateResource): MetricRef[] {
  const p = alarm.Properties;
  const dims = (list: Array<{ Name: string; Value: unknown }> | undefined) =>
    Object.fromEntries((list ?? []).map((d) => [d.Name, flatten(d.Value)]));
  if (p.MetricName) return [{ where: id, namespace: p.Namespace, name: p.MetricName, dimensions: dims(p.Dimensions) }];
  return (p.Metrics as Array<Record<string, any>>)
    .filter((m) => m.MetricStat)
    .map((m) => ({ where: id, namespace: m.MetricStat.Metric.Namespace, name: m.MetricStat.Metric.MetricName, dimensions: dims(m.MetricStat.Metric.Dimensions) }));
}

function periodsOf(alarm: TemplateResource): number[] {
  const p = alarm.Properties;
  if (p.Period) return [p.Period];
  return (p.Metrics as Array<Record<string, any>>).map((m) => m.MetricStat?.Period ?? m.Period).filter((x) => x !== undefined);
}

/** The dashboard body as JSON (references flattened to logical ids). */
function dashboardBody(template: Template): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  return JSON.parse(flatten(dashboards[0].Properties.DashboardBody));
}

/** Every metric a dashboard widget plots: `[namespace, name, dim, value, ..., {options}]` entries. */
function widgetMetrics(body: ReturnType<typeof dashboardBody>): MetricRef[] {
  const refs: MetricRef[] = [];
  for (const widget of body.widgets) {
    for (const entry of (widget.properties.metrics ?? []) as unknown[][]) {
      if (typeof entry[0] !== 'string') continue; // a math expression: its inputs are entries too
      const [namespace, name, ...rest] = entry;
      const pairs = rest.filter((x) => typeof x === 'string') as string[];
      const dimensions: Record<string, string> = {};
      for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i]] = pairs[i + 1];
      refs.push({ where: String(widget.properties.title), namespace: namespace as string, name: name as string, dimensions });
    }
  }
  return refs;
}

let full: { stack: ImagerStack; template: Template };
let plain: { stack: ImagerStack; template: Template };
beforeAll(() => {
  full = stackWith({ context: { IMAGER_ALARM_EMAIL: 'ops@example.com' }, extras: true });
  plain = stackWith({ region: 'eu-west-1', extras: true });
});

describe('alarms', () => {
  it('are exactly the expected set, each with its threshold, comparison, evaluation periods and period', () => {
    const alarms = resourcesOfType(full.template, 'AWS::CloudWatch::Alarm');
    const byId = new Map(Object.keys(EXPECTED).map((id) => [logicalId(full.stack.monitoring.node.findChild(id)), id]));
    expect(Object.keys(alarms).map((logical) => byId.get(logical) ?? logical).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [logical, alarm] of Object.entries(alarms)) {
      const id = byId.get(logical)!;
      const expected = EXPECTED[id];
      const p = alarm.Properties;
      expect({ id, threshold: p.Threshold, comparison: p.ComparisonOperator, evaluationPeriods: p.EvaluationPeriods }).toEqual({
        id,
        threshold: expected.threshold,
        comparison: expected.comparison,
        evaluationPeriods: expected.evaluationPeriods,
      });
      expect(p.DatapointsToAlarm, id).toBe(expected.datapointsToAlarm);
      expect(new Set(periodsOf(alarm)), id).toEqual(new Set([expected.period]));
      expect(p.TreatMissingData, id).toBe(expected.treatMissingData ?? 'notBreaching');
      expect(p.AlarmDescription, id).toMatch(/docs\/operations\.md/);
    }
  });

  it('notify the one topic on alarm and on recovery', () => {
    const topic = logicalId(full.stack.monitoring.topic);
    expect(Object.keys(resourcesOfType(full.template, 'AWS::SNS::Topic'))).toEqual([topic]);
    for (const [id, alarm] of Object.entries(resourcesOfType(full.template, 'AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions.map(flatten), id).toEqual([topic]);
      expect(alarm.Properties.OKActions.map(flatten), id).toEqual([topic]);
    }
  });

  it('watch the right metrics: API stage, each function, each table, the queue, the distribution', () => {
    const alarms = resourcesOfType(full.template, 'AWS::CloudWatch::Alarm');
    const metricsOf = (id: string) => alarmMetrics(id, alarms[logicalId(full.stack.monitoring.node.findChild(id))]);
    const stage = logicalId(full.stack.api.api.deploymentStage);
    expect(metricsOf('ApiServerErrorRate').map((m) => `${m.namespace} ${m.name} ${m.dimensions.Stage}`).sort()).toEqual(
      [`AWS/ApiGateway 5XXError ${stage}`, `AWS/ApiGateway Count ${stage}`].sort(),
    );
    const latency = alarms[logicalId(full.stack.monitoring.node.findChild('ApiLatencyP99'))].Properties;
    expect([latency.MetricName, latency.ExtendedStatistic]).toEqual(['Latency', 'p99']);
    for (const name of ALL_FUNCTIONS) {
      const fn = logicalId(full.stack.allFunctions[name]);
      const errors = name === 'Sweep' ? 'SweepFailures' : `${name}Errors`;
      if (name !== 'Authorizer') expect(metricsOf(errors)).toEqual([{ where: errors, namespace: 'AWS/Lambda', name: 'Errors', dimensions: { FunctionName: fn } }]);
      expect(metricsOf(`${name}Throttles`)[0]).toMatchObject({ name: 'Throttles', dimensions: { FunctionName: fn } });
    }
    // The authorizer: failures from the access log against its invocations, never its Errors (a denial is an error).
    expect(metricsOf('AuthorizerFailureRate').map((m) => m.name).sort()).toEqual(['AuthorizerFailures', 'Invocations']);
    expect(metricsOf('RateLimitedShare').map((m) => m.name).sort()).toEqual(['Count', 'GatewayQuotaExceeded', 'GatewayThrottled', 'RateLimited']);
    // The key ceiling: the gauge the account meters write (functions/core/account-meters.ts), its maximum.
    expect(metricsOf('ApiGatewayKeysCeiling')).toEqual([{ where: 'ApiGatewayKeysCeiling', namespace: METRICS_NAMESPACE, name: 'ApiGatewayKeys', dimensions: { service: SERVICE_NAME } }]);
    expect(alarms[logicalId(full.stack.monitoring.node.findChild('ApiGatewayKeysCeiling'))].Properties.Statistic).toBe('Maximum');
    expect(metricsOf('ImagesTableThrottles').map((m) => `${m.name} ${m.dimensions.TableName}`).sort()).toEqual(
      [`ReadThrottleEvents ${logicalId(full.stack.storage.images)}`, `WriteThrottleEvents ${logicalId(full.stack.storage.images)}`],
    );
    expect(metricsOf('DeadLettersPurgeDeadLetters')[0]).toEqual({
      where: 'DeadLettersPurgeDeadLetters',
      namespace: 'AWS/SQS',
      name: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: `${logicalId(full.stack.purgeDeadLetters)}.QueueName` },
    });
    expect(metricsOf('DeadLettersFinalizeDeadLetters')[0]).toMatchObject({ name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `${logicalId(full.stack.finalizeDeadLetters)}.QueueName` } });
    // Requests the transform function URL answered without running the function (its OAC or
    // invoke permission broken): URL requests against invocations and throttles, of that function.
    const transform = logicalId(full.stack.allFunctions.TransformImage);
    expect(metricsOf('TransformOriginRefused').map((m) => `${m.namespace} ${m.name} ${m.dimensions.FunctionName}`).sort()).toEqual(
      [`AWS/Lambda Invocations ${transform}`, `AWS/Lambda Throttles ${transform}`, `AWS/Lambda UrlRequestCount ${transform}`],
    );
    expect(metricsOf('SignUpSurge')).toEqual([
      {
        where: 'SignUpSurge',
        namespace: 'AWS/Cognito',
        name: 'SignUpSuccesses',
        dimensions: { UserPool: logicalId(full.stack.identity.userPool), UserPoolClient: logicalId(full.stack.identity.client) },
      },
    ]);
    expect(metricsOf('CdnServerErrorRate')[0]).toEqual({
      where: 'CdnServerErrorRate',
      namespace: 'AWS/CloudFront',
      name: '5xxErrorRate',
      dimensions: { DistributionId: logicalId(full.stack.delivery.distribution), Region: 'Global' },
    });
  });

  it('each has a runbook line in the "Alarms" table of docs/operations.md', () => {
    const doc = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
    expect(doc.indexOf('\n## Alarms\n')).toBeGreaterThan(0);
    const operations = doc.slice(doc.indexOf('\n## Alarms\n') + 1);
    const section = operations.slice(0, operations.indexOf('\n## ', 5) > 0 ? operations.indexOf('\n## ', 5) : undefined);
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const named = (id: string) =>
      id.replace(new RegExp(`^(${ALL_FUNCTIONS.join('|')})(Errors|Throttles)$`), '<Function>$2')
        .replace(/^(Images|Keys|Counters|Lookups|Exports|Webhooks)TableThrottles$/, '<Table>TableThrottles')
        .replace(/^DeadLetters.*$/, 'DeadLetters<Queue>');
    for (const id of Object.keys(EXPECTED)) {
      const row = rows.find((line) => line.startsWith(`| \`${named(id)}\``));
      expect(row, id).toBeDefined();
      // what | threshold | why | what to do: four filled cells.
      expect(row!.split('|').slice(1, -1).filter((cell) => cell.trim().length > 0).length, id).toBeGreaterThanOrEqual(4);
    }
  });

  it('CloudFront metrics live in us-east-1: elsewhere the widget reads them there and no alarm is made', () => {
    const ids = Object.keys(resourcesOfType(plain.template, 'AWS::CloudWatch::Alarm'));
    expect(full.stack.monitoring.alarms).toHaveLength(Object.keys(EXPECTED).length);
    expect(ids).toHaveLength(Object.keys(EXPECTED).length - 1);
    expect(plain.stack.monitoring.node.tryFindChild('CdnServerErrorRate')).toBeUndefined();
    const cdn = dashboardBody(plain.template).widgets.find((w) => w.properties.title === 'CDN 5xx (%)');
    expect(cdn?.properties.metrics[0]).toEqual([
      'AWS/CloudFront',
      '5xxErrorRate',
      'DistributionId',
      logicalId(plain.stack.delivery.distribution),
      'Region',
      'Global',
      { region: 'us-east-1' },
    ]);
  });
});

describe('alarm topic', () => {
  it('is encrypted with a rotating customer key CloudWatch may use, and accepts only TLS', () => {
    const topic = Object.values(resourcesOfType(full.template, 'AWS::SNS::Topic'))[0];
    const key = logicalId(full.stack.monitoring.node.findChild('TopicKey'));
    expect(flatten(topic.Properties.KmsMasterKeyId)).toBe(`${key}.Arn`);
    const keyProps = resourcesOfType(full.template, 'AWS::KMS::Key')[key].Properties;
    expect(keyProps.EnableKeyRotation).toBe(true);
    const cloudwatch = keyProps.KeyPolicy.Statement.find((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect([...cloudwatch.Action].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    const policies = Object.values(resourcesOfType(full.template, 'AWS::SNS::TopicPolicy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(
      expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    );
  });

  it('lets CloudWatch alarms of this account and region publish to it, and nothing else', () => {
    const topic = logicalId(full.stack.monitoring.topic);
    const policies = Object.values(resourcesOfType(full.template, 'AWS::SNS::TopicPolicy')).filter((p) => p.Properties.Topics.some((t: unknown) => flatten(t) === topic));
    expect(policies).toHaveLength(1);
    const allows = (policies[0].Properties.PolicyDocument.Statement as Array<Record<string, any>>).filter((s) => s.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    expect(allows[0].Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(allows[0].Action).toBe('sns:Publish');
    expect(flatten(allows[0].Resource)).toBe(topic);
    // The confused-deputy guard: only alarms of this account (and region), not CloudWatch acting for anyone.
    expect(allows[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(flatten(allows[0].Condition.ArnLike['aws:SourceArn'])).toBe('arn:AWS::Partition:cloudwatch:AWS::Region:AWS::AccountId:alarm:*');
  });

  it('has an email subscription only when IMAGER_ALARM_EMAIL is set', () => {
    const subscriptions = Object.values(resourcesOfType(full.template, 'AWS::SNS::Subscription'));
    expect(subscriptions.map((s) => [s.Properties.Protocol, s.Properties.Endpoint])).toEqual([['email', 'ops@example.com']]);
    expect(Object.keys(resourcesOfType(plain.template, 'AWS::SNS::Subscription'))).toEqual([]);
    expect(() => stackWith({ context: { IMAGER_ALARM_EMAIL: 'not an address' } })).toThrow(/IMAGER_ALARM_EMAIL/);
  });
});

describe('metrics from the access log', () => {
  it('count gateway throttles, daily quota refusals and authorizer failures from the responseType field, without dimensions', () => {
    const stage = Object.values(resourcesOfType(full.template, 'AWS::ApiGateway::Stage'))[0];
    expect(JSON.parse(stage.Properties.AccessLogSetting.Format)).toMatchObject({ responseType: '$context.error.responseType', status: '$context.status' });
    const filters = Object.values(resourcesOfType(full.template, 'AWS::Logs::MetricFilter'));
    const accessLogs = logicalId(full.stack.api.accessLogs);
    expect(
      filters.map((f) => [flatten(f.Properties.LogGroupName), f.Properties.MetricTransformations[0].MetricName, f.Properties.FilterPattern]).sort(),
    ).toEqual(
      Object.entries(ACCESS_LOG_METRICS)
        .map(([name, types]) => [accessLogs, name, types.length === 1 ? `{ $.responseType = "${types[0]}" }` : `{ (${types.map((t) => `$.responseType = "${t}"`).join(') || (')}) }`])
        .sort(),
    );
    for (const filter of filters) {
      expect(filter.Properties.MetricTransformations[0].MetricNamespace).toBe(METRICS_NAMESPACE);
      expect(filter.Properties.MetricTransformations[0].Dimensions).toBeUndefined();
    }
  });
});

describe('dashboard', () => {
  it('is named after the stack and its region and shows requests, errors, latency, uploads, bytes, refusals, 429s, cold starts and cost drivers', () => {
    const dashboard = Object.values(resourcesOfType(full.template, 'AWS::CloudWatch::Dashboard'))[0];
    // Dashboards are global to the account: the region tells two copies of the stack apart.
    expect(dashboard.Properties.DashboardName).toEqual({ 'Fn::Join': ['', ['Test-Dashboard-', { Ref: 'AWS::Region' }]] });
    const ireland = Object.values(resourcesOfType(plain.template, 'AWS::CloudWatch::Dashboard'))[0];
    expect(ireland.Properties.DashboardName).toBe('Test-Dashboard-eu-west-1');
    const titles = dashboardBody(full.template).widgets.map((w) => String(w.properties.title ?? ''));
    for (const title of [
      'Alarms',
      'Requests and errors',
      'Latency (ms)',
      'Function errors and throttles',
      'Uploads accepted',
      'Bytes stored',
      'Uploads refused, by reason',
      '429s by cause',
      'Cold starts by function (init duration, ms)',
      'Dead letters: PurgeDeadLetters',
      'Dead letters: LaterDlq',
      'Dead letters: WebhookDeadLetters',
      'CDN 5xx (%)',
    ]) {
      expect(titles, title).toContain(title);
    }
    expect(titles.filter((t) => t.startsWith('Cost drivers')).length).toBeGreaterThanOrEqual(3);
  });

  it('reads cold starts from every function log group (REPORT lines, no Lambda Insights)', () => {
    const widget = dashboardBody(full.template).widgets.find((w) => w.properties.title === 'Cold starts by function (init duration, ms)')!;
    expect(widget.type).toBe('log');
    expect(widget.properties.query).toContain('@initDuration');
    const groups = ALL_FUNCTIONS.map((name) => logicalId(full.stack.allFunctions[name].logGroup));
    for (const group of groups) expect(widget.properties.query).toContain(`SOURCE '${group}'`);
    // No Lambda Insights layer: the only layer is the AWS CLI of CDK's BucketDeployment (the console's files).
    expect(Object.keys(full.template.findResources('AWS::Lambda::LayerVersion'))).toEqual([logicalId(full.stack.console.node.findChild('Deploy').node.findChild('AwsCliLayer'))]);
  });

  it('lists every alarm in its status widget, the ones added later too', () => {
    const widget = dashboardBody(full.template).widgets.find((w) => w.type === 'alarm')!;
    const alarms = Object.keys(resourcesOfType(full.template, 'AWS::CloudWatch::Alarm')).map((id) => `${id}.Arn`);
    expect([...widget.properties.alarms].sort()).toEqual(alarms.sort());
  });
});

describe('no metric has a high-cardinality dimension', () => {
  it('every alarm and widget metric uses only resource dimensions or Imager\'s bounded enums', () => {
    const refs = [
      ...Object.entries(resourcesOfType(full.template, 'AWS::CloudWatch::Alarm')).flatMap(([id, alarm]) => alarmMetrics(id, alarm)),
      ...widgetMetrics(dashboardBody(full.template)),
    ];
    expect(refs.length).toBeGreaterThan(50);
    const seen = new Set<string>();
    for (const ref of refs) {
      if (ref.namespace !== METRICS_NAMESPACE) {
        for (const name of Object.keys(ref.dimensions)) expect(AWS_DIMENSIONS, `${ref.where}: ${ref.name} ${name}`).toContain(name);
        continue;
      }
      seen.add(ref.name);
      if (ref.name in ACCESS_LOG_METRICS) {
        expect(ref.dimensions, ref.where).toEqual({});
        continue;
      }
      const declared = BUSINESS_METRICS[ref.name as keyof typeof BUSINESS_METRICS];
      expect(declared, `${ref.where}: ${ref.name}`).toBeDefined();
      const { service, ...rest } = ref.dimensions;
      expect(service, ref.where).toBe(SERVICE_NAME);
      expect(Object.keys(rest).sort(), `${ref.where}: ${ref.name}`).toEqual(Object.keys(declared.dimensions).sort());
      for (const [name, value] of Object.entries(rest)) {
        expect((declared.dimensions as Record<string, readonly string[]>)[name], `${ref.where}: ${ref.name} ${name}`).toContain(value);
      }
    }
    // Every business metric is on the dashboard.
    for (const name of [...Object.keys(BUSINESS_METRICS), ...Object.keys(ACCESS_LOG_METRICS)]) expect(seen, name).toContain(name);
  });
});
