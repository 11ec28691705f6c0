import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import type { CdnCache } from '../core/purge';

/** The CloudFront distribution's cache: invalidations on this distribution only. */
export class CloudFrontCache implements CdnCache {
  constructor(
    private readonly client: CloudFrontClient,
    private readonly distributionId: string,
  ) {}

  async invalidate(paths: readonly string[], reference: string): Promise<void> {
    await this.client.send(
      new CreateInvalidationCommand({
        DistributionId: this.distributionId,
        // The same reference and paths again (a retried event) is the same invalidation, not a new one.
        InvalidationBatch: { CallerReference: reference, Paths: { Quantity: paths.length, Items: [...paths] } },
      }),
    );
  }
}
