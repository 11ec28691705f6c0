import type { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { logger } from '../runtime/logger';
import {
  type FinalizeResult,
  type Metrics,
  type RateLimitCause,
  type RejectionReason,
  type SweepRemoval,
  type UploadKind,
} from '../core/metrics';

/** The CloudWatch namespace of every Imager business metric. */
export const METRICS_NAMESPACE = 'Imager';
/** Powertools' default dimension, on every metric: one value per deployment. */
export const SERVICE_NAME = 'imager';

/** Output formats a variant can have (docs/transforms.md: the four outputs, or the original format). */
export const VARIANT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'bmp', 'tiff', 'other'] as const;

/**
 * Every business metric: its unit and the dimension names it carries besides `service`, each
 * with the only values it can take. `lib/monitoring.ts` builds its alarms (and `lib/monitoring-dashboard.ts` its widgets) from this
 * table, and the template tests check that nothing else is ever used as a dimension.
 */
export const BUSINESS_METRICS = {
  UploadsAccepted: { unit: 'Count', dimensions: { kind: ['direct', 'large'] } },
  BytesStored: { unit: 'Bytes', dimensions: { kind: ['direct', 'large'] } },
  UploadsRejected: {
    unit: 'Count',
    dimensions: { kind: ['direct', 'large'], reason: ['format', 'structure', 'pixels', 'size', 'request'] },
  },
  RateLimited: { unit: 'Count', dimensions: { cause: ['hourly'] } },
  FinalizeResults: { unit: 'Count', dimensions: { result: ['ready', 'rejected', 'discarded', 'skipped'] } },
  SweepRemovals: { unit: 'Count', dimensions: { removal: ['expiredPending', 'orphanObject', 'expiredImage'] } },
  MetadataBytesRemoved: { unit: 'Bytes', dimensions: {} },
  VariantsRendered: { unit: 'Count', dimensions: { format: VARIANT_FORMATS } },
  ApiGatewayKeys: { unit: 'Count', dimensions: {} },
} as const satisfies Record<string, { unit: 'Count' | 'Bytes'; dimensions: Record<string, readonly string[]> }>;

export type BusinessMetricName = keyof typeof BUSINESS_METRICS;

type Unit = Parameters<PowertoolsMetrics['addMetric']>[1];

interface Datum {
  readonly name: BusinessMetricName;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface EmfMetricsOptions {
  /** How Powertools' Metrics is obtained; by default imported on the first flush that has data. */
  readonly load?: () => Promise<PowertoolsMetrics>;
}

function loadPowertools(): Promise<PowertoolsMetrics> {
  return import('@aws-lambda-powertools/metrics').then(
    ({ Metrics: PowertoolsMetricsClass }) => new PowertoolsMetricsClass({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
  );
}

/**
 * {@link Metrics} written as CloudWatch embedded metric format (EMF) lines on stdout by
 * Powertools' Metrics: CloudWatch Logs turns them into metrics, with no API call and no extra
 * latency. Locally the same JSON lines go to the terminal of `npm start`.
 *
 * Events are buffered and written by {@link flush}, one EMF line per dimension set, once per
 * invocation. Powertools is imported on the first flush that has something to write: most API
 * requests count nothing (a 429 or a refused upload is the exception), so a container that never
 * counts never loads it; the first one that does pays ~10 ms of CPU once (docs/operations.md).
 *
 * A failure to write metrics is logged and never fails the request.
 */
export class EmfMetrics implements Metrics {
  #pending: Datum[] = [];
  #instance: Promise<PowertoolsMetrics> | undefined;
  readonly #load: () => Promise<PowertoolsMetrics>;

  constructor(options: EmfMetricsOptions = {}) {
    this.#load = options.load ?? loadPowertools;
  }

  uploadAccepted(kind: UploadKind, bytes: number): void {
    this.#add('UploadsAccepted', 1, { kind });
    this.#add('BytesStored', bytes, { kind });
  }

  uploadRejected(kind: UploadKind, reason: RejectionReason): void {
    this.#add('UploadsRejected', 1, { kind, reason });
  }

  rateLimited(cause: RateLimitCause): void {
    this.#add('RateLimited', 1, { cause });
  }

  finalized(result: FinalizeResult): void {
    this.#add('FinalizeResults', 1, { result });
  }

  swept(removal: SweepRemoval, count: number): void {
    if (count > 0) this.#add('SweepRemovals', count, { removal });
  }

  metadataRemoved(bytes: number): void {
    if (bytes > 0) this.#add('MetadataBytesRemoved', bytes, {});
  }

  variantRendered(format: string): void {
    const known = (VARIANT_FORMATS as readonly string[]).includes(format) ? format : 'other';
    this.#add('VariantsRendered', 1, { format: known });
  }

  apiGatewayKeys(count: number): void {
    this.#add('ApiGatewayKeys', count, {});
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    // Concurrent invocations share this object only in local mode; each flush takes what is
    // pending at that moment, so every datum is written exactly once.
    const pending = this.#pending;
    this.#pending = [];
    try {
      this.#instance ??= this.#load();
      const metrics = await this.#instance;
      const groups = new Map<string, Datum[]>();
      for (const datum of pending) {
        const key = JSON.stringify(Object.entries(datum.dimensions).sort());
        groups.set(key, [...(groups.get(key) ?? []), datum]);
      }
      // Synchronous from here: no other flush can interleave between add and publish.
      for (const group of groups.values()) {
        for (const [name, value] of Object.entries(group[0].dimensions)) metrics.addDimension(name, value);
        for (const datum of group) metrics.addMetric(datum.name, BUSINESS_METRICS[datum.name].unit as Unit, datum.value);
        metrics.publishStoredMetrics();
      }
    } catch (error) {
      this.#instance = undefined;
      logger.error('metrics not written', { error, metrics: pending.map((d) => d.name) });
    }
  }

  #add(name: BusinessMetricName, value: number, dimensions: Record<string, string>): void {
    if (!Number.isFinite(value) || value < 0) return;
    this.#pending.push({ name, value, dimensions });
  }
}
