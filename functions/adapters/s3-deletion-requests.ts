import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DeletionRequests, deletionRequestKey } from '../core/account-deletion';

/**
 * The request objects of account deletions, `deletion-requests/<sub>`: each write (a new
 * ObjectCreated) runs the job once more, on AWS through the bucket's notification (retried by
 * Lambda, then kept in a dead-letter queue), locally through local mode's delivery of s3rver's events.
 */
export class S3DeletionRequests implements DeletionRequests {
  constructor(
    private readonly client: S3Client,
    private readonly bucketName: string,
  ) {}

  async write(sub: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucketName, Key: deletionRequestKey(sub), Body: JSON.stringify({ sub }), ContentType: 'application/json' }),
    );
  }

  async remove(sub: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketName, Key: deletionRequestKey(sub) }));
  }
}
