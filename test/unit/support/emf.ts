import { vi } from 'vitest';

/** One CloudWatch embedded-metric-format document as Powertools wrote it. */
export interface EmfDocument {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: string[][];
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

/** A metric as CloudWatch would file it: name, dimensions, unit and every value written. */
export interface WrittenMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly dimensions: Record<string, string>;
  readonly values: number[];
}

/**
 * Captures what Powertools' Metrics writes to stdout (its own Console over process.stdout) while
 * `run` runs, and returns every EMF document, plus the metrics flattened the way CloudWatch
 * extracts them. Lines that are not EMF are passed through.
 */
export async function captureEmf(run: () => Promise<unknown>): Promise<{ documents: EmfDocument[]; metrics: WrittenMetric[] }> {
  const documents: EmfDocument[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) {
      for (const line of text.split('\n').filter(Boolean)) documents.push(JSON.parse(line) as EmfDocument);
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  const metrics: WrittenMetric[] = [];
  for (const document of documents) {
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((name) => [name, String(document[name])]));
        for (const { Name, Unit } of directive.Metrics) {
          const raw = document[Name];
          const values = (Array.isArray(raw) ? raw : [raw]) as number[];
          metrics.push({ namespace: directive.Namespace, name: Name, unit: Unit, dimensions, values });
        }
      }
    }
  }
  return { documents, metrics };
}

/**
 * `{ "UploadsAccepted kind=direct": 1 }`: how many values each metric got (each value is one
 * counted event), keyed by name and the dimensions besides `service`. Byte metrics are summed
 * under their own key with ` sum` appended, so a test can check both.
 */
export function tally(metrics: readonly WrittenMetric[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const metric of metrics) {
    const dims = Object.entries(metric.dimensions)
      .filter(([name]) => name !== 'service')
      .sort()
      .map(([name, value]) => `${name}=${value}`);
    const key = [metric.name, ...dims].join(' ');
    if (metric.unit === 'Bytes') result[`${key} sum`] = (result[`${key} sum`] ?? 0) + metric.values.reduce((a, b) => a + b, 0);
    else result[key] = (result[key] ?? 0) + metric.values.reduce((a, b) => a + b, 0);
  }
  return result;
}
