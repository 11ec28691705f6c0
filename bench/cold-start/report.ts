import { round, type Target, target } from '../lib/stats';
import type { measureColdStarts } from './bare-entry';
import type { MeasuredFunction } from './fixtures';
import { type measureSpecColdStarts, SPEC_PUBLISHED } from './spec-method';

/*
 * The cold-start part of the benchmark's document: its targets (each function against the
 * floor it is held to), the calibration against docs/performance.md's figures, and the table on stderr.
 */

type BareEntryRun = Awaited<ReturnType<typeof measureColdStarts>>;
type SpecRun = Awaited<ReturnType<typeof measureSpecColdStarts>>;

/**
 * Cold-start floor (docs/performance.md, decided): no function may load slower than a bundle holding only
 * the stock AWS SDK v3 clients it must send requests with. Each function that sends requests
 * names its floor here; a function in neither this table nor CONTENT_FLOOR (below) fails the
 * run, so a new one cannot escape the rule.
 */
export const CLIENT_FLOOR: Readonly<Partial<Record<MeasuredFunction, string>>> = {
  Authorizer: '(reference) DynamoDB client only',
  GetImage: '(reference) DynamoDB client only',
  ListImages: '(reference) DynamoDB client only',
  // Presigns its PUT/POST without the S3 client, and starts multipart uploads with it.
  StartUpload: '(reference) DynamoDB + S3 clients + presigner',
  // Presigns the parts without the S3 client: DynamoDB is the only client it sends with.
  SignUploadParts: '(reference) DynamoDB client only',
  ListUploadParts: '(reference) DynamoDB + S3 clients',
  CompleteUpload: '(reference) DynamoDB + S3 clients',
  AbortUpload: '(reference) DynamoDB + S3 clients',
  UploadImage: '(reference) DynamoDB + S3 clients',
  DeleteImage: '(reference) DynamoDB + S3 clients',
  // The delete link (docs/clients.md): the record, then the object.
  DeleteByLink: '(reference) DynamoDB + S3 clients',
  // Announces image.ready and image.rejected on the webhook queue (docs/webhooks.md).
  FinalizeUpload: '(reference) DynamoDB + S3 + SQS clients',
  Sweep: '(reference) DynamoDB + S3 + KeyValueStore clients',
  // Writes the deny-list (KeyValueStore), the release schedule (DynamoDB) and deletes variants (S3).
  PurgeImage: '(reference) DynamoDB + S3 + KeyValueStore + SQS clients',
  // The edge rules' writers (docs/edge.md). Upload and start-upload write the store only for
  // private or expiring images: their client is made on that first write, so their floor stays.
  PatchImage: '(reference) DynamoDB + KeyValueStore clients',
  CreateSigningSecret: '(reference) DynamoDB + KeyValueStore clients',
  RevokeSigningSecret: '(reference) DynamoDB + KeyValueStore clients',
  ListSigningSecrets: '(reference) DynamoDB client only',
  // The console's account routes: the keys and counters tables, and for creating a key the
  // account's meter's API Gateway key (made with the first key; a revoke leaves it).
  GetAccount: '(reference) DynamoDB client only',
  ListAccountKeys: '(reference) DynamoDB client only',
  CreateAccountKey: '(reference) DynamoDB + API Gateway clients',
  RevokeAccountKey: '(reference) DynamoDB client only',
  // Apps (docs/apps.md): the lookups and exports tables; the export request object and zip in S3
  // (the status route signs its link without an S3 client).
  ListSimilarImages: '(reference) DynamoDB client only',
  GetAccountExport: '(reference) DynamoDB client only',
  StartAccountExport: '(reference) DynamoDB + S3 clients',
  BuildAccountExport: '(reference) DynamoDB + S3 clients',
  // Webhooks (docs/webhooks.md): the account routes queue redeliveries; the worker sends attempts' retries.
  WebhookEndpoints: '(reference) DynamoDB + SQS clients',
  DeliverWebhooks: '(reference) DynamoDB + SQS clients',
  // Account deletion (docs/account-deletion.md): the password (Cognito), the authorizer cache
  // (API Gateway), the request object (S3); the job adds the edge, the webhook queue and AdminDeleteUser.
  DeleteAccount: '(reference) DynamoDB + S3 + API Gateway + Cognito clients',
  EraseAccount: '(reference) DynamoDB + S3 + KeyValueStore + SQS + API Gateway + Cognito clients',
};
/**
 * Functions that send no request: docs/performance.md's floor (the clients a function sends with) is an
 * empty bundle for them, which no function with code can load faster than. They are compared,
 * for information and not as targets, with the least they must hold to answer (docs/performance.md,
 * "Floor": the least work a request must do): nothing for a redirect (an empty handler bundled
 * like every reference), the content for the reference routes (the OpenAPI document, the 1 MB
 * Redoc page). A function must be in one table or the other.
 */
export const CONTENT_FLOOR: Readonly<Partial<Record<MeasuredFunction, string>>> = {
  ViewImage: '(reference) no client (empty handler bundled like the stack)',
  GetOpenApi: '(reference) the OpenAPI document only',
  GetDocs: '(reference) reads the Redoc page only',
};
const CONTROL = { name: '(control) DynamoDB + S3 clients, built and measured again', of: '(reference) DynamoDB + S3 clients' } as const;
/** Load time / floor load time, both medians of the same interleaved run. */
const FLOOR_RATIO_LIMIT = 1;

type Figures = { wallMs: number; ratio: number };
interface MethodFigures {
  readonly emptyHandler: { wallMs: number };
  readonly references: ReadonlyArray<{ name: string; load: Figures }>;
}

/**
 * Which method reproduces docs/performance.md's own measurements: each reference's ratio under every
 * method next to the published one, and the mean absolute difference over the two published bundles.
 */
export function calibrate(methods: Record<string, MethodFigures>) {
  const names = Object.keys(methods);
  const rows = SPEC_PUBLISHED.references.map((published) => ({
    spec: published.spec,
    reference: published.reference,
    sameBundleAsSpec: published.sameBundle,
    publishedMs: published.publishedMs,
    publishedRatio: published.publishedRatio,
    measured: Object.fromEntries(
      names.map((method) => {
        const load = methods[method].references.find((r) => r.name === published.reference)?.load;
        return [method, load ? { wallMs: load.wallMs, ratio: load.ratio, ratioMinusPublished: round(load.ratio - published.publishedRatio) } : null];
      }),
    ),
  }));
  const meanAbsoluteRatioError = Object.fromEntries(
    names.map((method) => {
      const errors = rows.filter((r) => r.sameBundleAsSpec).map((r) => Math.abs((r.measured[method]?.ratio ?? Number.NaN) - r.publishedRatio));
      return [method, round(errors.reduce((a, b) => a + b, 0) / errors.length)];
    }),
  );
  const ranked = names.filter((m) => Number.isFinite(meanAbsoluteRatioError[m])).sort((a, b) => meanAbsoluteRatioError[a] - meanAbsoluteRatioError[b]);
  return {
    source: 'docs/performance.md (2026-11-26, 2 cores, Node 20, minified ESM bundles, median of 30)',
    emptyHandlerMs: { published: SPEC_PUBLISHED.emptyModuleMs, ...Object.fromEntries(names.map((m) => [m, methods[m].emptyHandler.wallMs])) },
    references: rows,
    /** Mean |measured ratio - published ratio| over the two published bundles (sameBundleAsSpec). */
    meanAbsoluteRatioError,
    closestToSpec: ranked[0] ?? null,
  };
}

/** The calibration block: which method comes closest to docs/performance.md's published ratios. */
export function coldStartCalibration(coldStart: BareEntryRun, specColdStart: SpecRun) {
  return {
    methods: {
      bareEsmEntry: 'bare ESM entry: `node bench/cold-start/child.mjs load <bundle>`, Lambda-like environment (coldStart.functions, coldStart.references)',
      spec: `spec method: ${specColdStart.spec.command} with NODE_EXTRA_CA_CERTS=${specColdStart.spec.nodeExtraCaCerts} (coldStart.spec)`,
      specModuleEntry: `control, entry form only: ${specColdStart.controls.specModuleEntry.command} with NODE_EXTRA_CA_CERTS (coldStart.spec.controls)`,
      evalWithoutExtraCaCerts: `control, environment only: ${specColdStart.controls.evalWithoutExtraCaCerts.command} without NODE_EXTRA_CA_CERTS (coldStart.spec.controls)`,
    },
    ...calibrate({
      bareEsmEntry: { emptyHandler: coldStart.emptyHandler.load, references: coldStart.references },
      spec: specColdStart.spec,
      specModuleEntry: specColdStart.controls.specModuleEntry,
      evalWithoutExtraCaCerts: specColdStart.controls.evalWithoutExtraCaCerts,
    }),
  };
}

export interface FloorComparison {
  readonly method: string;
  readonly function: string;
  readonly floor: string;
  readonly ratio: number;
}
export interface Control {
  readonly method: string;
  readonly control: string;
  readonly of: string;
  readonly ratio: number;
}

interface MethodRun {
  readonly references: ReadonlyArray<{ name: string; load: { wallMs: number } }>;
  readonly functions: ReadonlyArray<{ name: string; load: { wallMs: number } }>;
}

/**
 * Each function's load against its floor under both methods (targets for the functions that send
 * requests; comparisons, not targets, for the others), the control's resolution, and whether
 * every first request was answered as expected.
 */
export function coldStartTargets(coldStart: BareEntryRun | undefined, specColdStart: SpecRun | undefined) {
  const targets: Target[] = [];
  /** Not targets: the no-client functions against what they must hold, and the control. */
  const floorComparisons: FloorComparison[] = [];
  const controls: Control[] = [];
  const floorTargets = (label: string, run: MethodRun | undefined) => {
    const loadOf = (name: string) => run?.references.find((r) => r.name === name)?.load.wallMs;
    for (const fn of run?.functions ?? []) {
      const clientFloor = CLIENT_FLOOR[fn.name as MeasuredFunction];
      const contentFloor = CONTENT_FLOOR[fn.name as MeasuredFunction];
      const floorName = clientFloor ?? contentFloor;
      if (!floorName) {
        throw new Error(`bench/cold-start/report.ts has no floor for ${fn.name}: name the stock clients it sends with (CLIENT_FLOOR), or what it must hold if it sends none (CONTENT_FLOOR)`);
      }
      const floorMs = loadOf(floorName);
      const ratio = floorMs ? round(fn.load.wallMs / floorMs) : Number.NaN;
      if (clientFloor) targets.push(target(`cold start (${label}): ${fn.name} load / ${floorName.replace('(reference) ', '')} load`, ratio, '<=', FLOOR_RATIO_LIMIT));
      else floorComparisons.push({ method: label, function: fn.name, floor: floorName, ratio });
    }
    const control = loadOf(CONTROL.name);
    const original = loadOf(CONTROL.of);
    if (control && original) controls.push({ method: label, control: CONTROL.name, of: CONTROL.of, ratio: round(control / original) });
  };
  // The bare ESM entry first: it is the Lambda-like method (no NODE_EXTRA_CA_CERTS read at start).
  floorTargets('bare ESM entry', coldStart);
  floorTargets('spec method', specColdStart?.spec);
  if (coldStart) targets.push(target('cold start: every first request answered as expected (count of failures)', coldStart.failures.length, '==', 0));
  return { targets, floorComparisons, controls };
}

/** The cold-start table, the calibration and the comparisons, for people (stderr). */
export function printColdStart(
  coldStart: BareEntryRun | undefined,
  specColdStart: SpecRun | undefined,
  calibration: ReturnType<typeof coldStartCalibration> | undefined,
  controls: readonly Control[],
  floorComparisons: readonly FloorComparison[],
): void {
  const write = (text: string) => process.stderr.write(text);
  if (coldStart) {
    write('\nCold start (wall ms, median; ratio to the empty handler under the same method):\n');
    const specEmpty = specColdStart ? `; spec method: empty handler ${specColdStart.spec.emptyHandler.wallMs} ms` : '';
    write(`  bare ESM entry: empty handler ${coldStart.emptyHandler.load.wallMs} ms${specEmpty}\n`);
  }
  type Row = { name: string; bundleBytes: number; load: { wallMs: number; ratio: number }; loadAndFirstRequest?: { wallMs: number; ratio: number } };
  const rows: Row[] = coldStart ? [...coldStart.references, ...coldStart.functions] : [];
  const specRows = specColdStart ? [...specColdStart.spec.references, ...specColdStart.spec.functions] : [];
  for (const fn of rows) {
    const spec = specRows.find((r) => r.name === fn.name);
    const specText = spec ? `  spec ${spec.load.wallMs} ms x${spec.load.ratio}` : '';
    const first = fn.loadAndFirstRequest ? `  load+first ${fn.loadAndFirstRequest.wallMs} ms x${fn.loadAndFirstRequest.ratio}` : '';
    write(
      `  ${fn.name.padEnd(46)} ${String(Math.round(fn.bundleBytes / 1024)).padStart(4)} KiB  bare load ${fn.load.wallMs} ms x${fn.load.ratio}${specText}${first}\n`,
    );
  }
  if (calibration) {
    write(`\nCalibration against ${calibration.source}:\n`);
    const methods = Object.keys(calibration.meanAbsoluteRatioError);
    write(`  empty handler ms: published ${calibration.emptyHandlerMs.published}; ${methods.map((m) => `${m} ${calibration.emptyHandlerMs[m as keyof typeof calibration.emptyHandlerMs]}`).join(', ')}\n`);
    for (const row of calibration.references) {
      const measured = methods.flatMap((m) => (row.measured[m] ? [`${m} x${row.measured[m].ratio}`] : [])).join(', ');
      write(`  ${row.spec} = ${row.reference}${row.sameBundleAsSpec ? '' : ' (not the published bundle)'}: published x${row.publishedRatio}; ${measured}\n`);
    }
    write(`  mean |ratio - published|: ${methods.map((m) => `${m} ${calibration.meanAbsoluteRatioError[m]}`).join(', ')}; closest: ${calibration.closestToSpec}\n`);
  }
  if (controls.length > 0) {
    write('\nResolution of the cold-start methods (identical bundles, two subjects; not targets):\n');
    for (const c of controls) write(`  ${c.method}: ${c.control} / ${c.of}: ${c.ratio}\n`);
  }
  if (floorComparisons.length > 0) {
    write('\nFunctions that send no request, against what they must hold (not targets: docs/performance.md gives them an empty floor):\n');
    for (const c of floorComparisons) write(`  ${c.method}: ${c.function} load / ${c.floor.replace('(reference) ', '')} load: ${c.ratio}\n`);
  }
}
