import {
  type CloudFrontKeyValueStoreClient,
  DescribeKeyValueStoreCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
// The KeyValueStore API is signed with SigV4A: this registers the SDK's JavaScript implementation
// (the alternative, @aws-sdk/signature-v4-crt, is a native module).
import '@aws-sdk/signature-v4a';
import type { EdgeChanges, EdgeStore } from '../core/edge-entries';

/** UpdateKeys takes at most 50 puts and deletes together. */
export const UPDATE_BATCH = 50;
/** Writers that met another writer's change retry on the store's new version, this many times in all. */
const ATTEMPTS = 8;

/** A write refused because the store changed since its version was read (optimistic concurrency). */
function isConflict(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'ConflictException' || e.$metadata?.httpStatusCode === 409 || e.$metadata?.httpStatusCode === 412;
}

/**
 * The CloudFront KeyValueStore the viewer-request function reads (docs/edge.md). Every write names
 * the store's current version (`IfMatch`, from DescribeKeyValueStore); when another writer got
 * there first the version is read again and the write retried, with a growing random pause.
 * Changes go in batches of {@link UPDATE_BATCH}, each all-or-nothing; puts and deletes are
 * idempotent, so a batch retried after a lost response changes nothing more.
 */
export class CloudFrontEdgeStore implements EdgeStore {
  constructor(
    private readonly client: CloudFrontKeyValueStoreClient,
    private readonly storeArn: string,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async update(changes: EdgeChanges): Promise<{ itemCount: number; totalBytes: number }> {
    const ops: Array<{ put?: { Key: string; Value: string }; del?: { Key: string } }> = [
      ...(changes.puts ?? []).map(({ key, value }) => ({ put: { Key: key, Value: value } })),
      ...(changes.deletes ?? []).map((key) => ({ del: { Key: key } })),
    ];
    let result = { itemCount: 0, totalBytes: 0 };
    if (ops.length === 0) {
      const described = await this.client.send(new DescribeKeyValueStoreCommand({ KvsARN: this.storeArn }));
      return { itemCount: described.ItemCount ?? 0, totalBytes: described.TotalSizeInBytes ?? 0 };
    }
    for (let start = 0; start < ops.length; start += UPDATE_BATCH) {
      const batch = ops.slice(start, start + UPDATE_BATCH);
      result = await this.write(
        batch.flatMap((op) => (op.put ? [op.put] : [])),
        batch.flatMap((op) => (op.del ? [op.del] : [])),
      );
    }
    return result;
  }

  private async write(puts: Array<{ Key: string; Value: string }>, deletes: Array<{ Key: string }>): Promise<{ itemCount: number; totalBytes: number }> {
    for (let attempt = 1; ; attempt += 1) {
      const { ETag } = await this.client.send(new DescribeKeyValueStoreCommand({ KvsARN: this.storeArn }));
      try {
        const written = await this.client.send(
          new UpdateKeysCommand({
            KvsARN: this.storeArn,
            IfMatch: ETag,
            ...(puts.length > 0 ? { Puts: puts } : {}),
            ...(deletes.length > 0 ? { Deletes: deletes } : {}),
          }),
        );
        return { itemCount: written.ItemCount ?? 0, totalBytes: written.TotalSizeInBytes ?? 0 };
      } catch (error) {
        if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
        await this.pause(Math.random() * 25 * 2 ** attempt);
      }
    }
  }
}
