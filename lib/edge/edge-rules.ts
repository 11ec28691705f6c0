import { Duration } from 'aws-cdk-lib';
import { Function as CloudFrontFunction, FunctionCode, FunctionRuntime, KeyValueStore, OriginRequestHeaderBehavior, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import type { EdgeSettings } from '../../functions/core/edge-settings';
import { NAME_LIMITS, scopedName } from '../names';
import { edgeFunctionCode } from './function-code';

export interface EdgeRulesProps {
  /** The unsigned set, private URL time, edge TTL (functions/core/edge-settings.ts). */
  readonly settings: EdgeSettings;
}

/**
 * The edge rules of docs/edge.md: the viewer-request function that decides before the cache
 * (signatures, the unsigned set, private, expiring and removed images) with the key-value store
 * it reads, and the viewer-response function (Vary: Accept for format=auto). The function files
 * are beside this file; their code is deployed as lib/edge/function-code.ts writes it, the text
 * local mode runs too. The distribution (lib/delivery.ts) associates both with `/image/*`, with
 * {@link originRequestPolicy} so the transform function sees the query the viewer sent.
 */
export class EdgeRules extends Construct {
  /** What the viewer-request function reads: signing secrets, private and expiring images, the deny-list. */
  readonly store: KeyValueStore;
  readonly requestFunction: CloudFrontFunction;
  readonly responseFunction: CloudFrontFunction;
  /** Forwards `x-imager-query` (the viewer's query, set by the request function) to the origins, outside the cache key. */
  readonly originRequestPolicy: OriginRequestPolicy;
  /** The longest CloudFront keeps a copy of an image before asking the bucket again (the cache policies' maximum). */
  readonly edgeTtl: Duration;

  constructor(scope: Construct, id: string, props: EdgeRulesProps) {
    super(scope, id);
    this.edgeTtl = Duration.seconds(props.settings.edgeTtlSeconds);
    // CloudFront names are global to the account: scoped by stack and region (lib/names.ts).
    this.store = new KeyValueStore(this, 'Store', {
      keyValueStoreName: scopedName(this, 'EdgeStore', NAME_LIMITS.keyValueStore),
      comment: 'Imager edge rules: signing secrets, private and expiring images, removed ids (docs/edge.md)',
    });
    this.requestFunction = new CloudFrontFunction(this, 'RequestFunction', {
      functionName: scopedName(this, 'EdgeRequest', NAME_LIMITS.cloudFrontFunction),
      comment: 'Imager: signatures, presets, private/expiring/removed images, transform normalisation',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(edgeFunctionCode('viewer-request.js', props.settings.unsigned)),
      keyValueStore: this.store,
    });
    this.responseFunction = new CloudFrontFunction(this, 'ResponseFunction', {
      functionName: scopedName(this, 'EdgeResponse', NAME_LIMITS.cloudFrontFunction),
      comment: 'Imager: Vary Accept for format=auto',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(edgeFunctionCode('viewer-response.js')),
    });
    this.originRequestPolicy = new OriginRequestPolicy(this, 'ImageOriginRequest', {
      originRequestPolicyName: scopedName(this, 'ImageOriginRequest', NAME_LIMITS.cloudFrontPolicy),
      comment: 'Imager /image/*: the viewer query for the transform function (its 307 keeps a signature)',
      headerBehavior: OriginRequestHeaderBehavior.allowList('x-imager-query'),
    });
  }
}
