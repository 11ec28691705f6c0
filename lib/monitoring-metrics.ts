import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { BUSINESS_METRICS, type BusinessMetricName, METRICS_NAMESPACE, SERVICE_NAME } from '../functions/adapters/emf-metrics';

/** A metric of the API's stage (`AWS/ApiGateway`, by API name and stage). */
export type StageMetric = (metricName: string, stat: string, period?: Duration) => Metric;

/** The stage metrics of `api`, one minute unless asked otherwise. */
export function stageMetrics(api: RestApi): StageMetric {
  const dimensionsMap = { ApiName: api.restApiName, Stage: api.deploymentStage.stageName };
  return (metricName, stat, period = Duration.minutes(1)) => new Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap, statistic: stat, period });
}

/** One series of an Imager business metric (functions/adapters/emf-metrics.ts). */
export function businessMetric(name: BusinessMetricName, dimensions: Record<string, string>, stat: string, period: Duration): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME, ...dimensions },
    statistic: stat,
    period,
  });
}

/** Every dimension combination a business metric is written with (bounded: the enums' product), labelled. */
export function businessSeries(name: BusinessMetricName, stat: string, period: Duration): Metric[] {
  let combinations: Array<Record<string, string>> = [{}];
  for (const [dimension, values] of Object.entries(BUSINESS_METRICS[name].dimensions) as Array<[string, readonly string[]]>) {
    combinations = combinations.flatMap((combination) => values.map((value) => ({ ...combination, [dimension]: value })));
  }
  return combinations.map((dimensions) => businessMetric(name, dimensions, stat, period).with({ label: Object.values(dimensions).join(' ') || name }));
}
