import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FetchResult } from '../fetch/result';
import type { ResultStore } from '../jobs/ports';
import { jsonLine } from '../io/json-line';

/**
 * Where one delivery's results live. The key names the delivery, so no two deliveries
 * ever write the same object and an object never changes once written; the job ledger's
 * claim says which one of a chunk's objects counts.
 */
export function deliveryResultKey(jobId: string, chunkId: string, deliveryId: string): string {
  return `results/${jobId}/${chunkId}/${deliveryId}.jsonl`;
}

/** Where a body lives: content-addressed. */
export function bodyKey(sha256: string): string {
  return `bodies/${sha256}`;
}

/** Results in S3: JSON lines, one object per delivery of a chunk; bodies at `bodies/{sha256}`. */
export class S3ResultStore implements ResultStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putDeliveryResults(jobId: string, chunkId: string, deliveryId: string, results: readonly FetchResult[]): Promise<string> {
    const key = deliveryResultKey(jobId, chunkId, deliveryId);
    const body = Buffer.from(results.map(jsonLine).join(''));
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        // Explicit, or the SDK takes an empty body for a stream of unknown length.
        ContentLength: body.length,
        ContentType: 'application/x-ndjson',
      }),
    );
    return key;
  }

  async deleteObject(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async readLines(key: string): Promise<string[]> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return text.split('\n').filter((line) => line !== '');
  }

  async putBody(sha256: string, body: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: bodyKey(sha256), Body: body, ContentLength: body.length }));
  }
}
