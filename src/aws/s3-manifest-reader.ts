import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ManifestError } from '../jobs/errors';
import type { ManifestHead, ManifestReader } from '../jobs/chunks/manifest';

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

/** Reads manifests from S3 by byte range, so splitter invocations can share one object. */
export class S3ManifestReader implements ManifestReader {
  constructor(private readonly client: S3Client) {}

  async head(bucket: string, key: string): Promise<ManifestHead> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: head.ContentLength ?? 0, etag: head.ETag ?? '' };
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 403) {
        throw new ManifestError(`Manifest s3://${bucket}/${key} not found or not readable`, { cause: error });
      }
      throw error;
    }
  }

  async readRange(bucket: string, key: string, start: number, end: number, etag: string): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    try {
      // HTTP ranges are inclusive at both ends; If-Match pins the read to the version planned.
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}`, IfMatch: etag }),
      );
      const bytes = await out.Body?.transformToByteArray();
      return bytes === undefined ? Buffer.alloc(0) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      const status = statusOf(error);
      if (status === 412) throw new ManifestError(`Manifest s3://${bucket}/${key} changed while it was being split`, { cause: error });
      if (status === 404 || status === 403) {
        throw new ManifestError(`Manifest s3://${bucket}/${key} not found or not readable`, { cause: error });
      }
      throw error;
    }
  }
}
