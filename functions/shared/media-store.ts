/** The footage bucket: pre-signed uploads, inspection of what was uploaded, and deletion. */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface PresignedUpload {
  method: 'PUT';
  url: string;
  /** Headers the upload must send exactly: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: string;
}

export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

/** S3 clients must not add checksums by default: see TOOLCHAIN.md (aws-sdk-js-v3 #6994). */
export function s3Client(endpoint?: string): S3Client {
  return new S3Client({
    ...(endpoint
      ? {
          endpoint,
          forcePathStyle: true,
          region: process.env.AWS_REGION ?? 'eu-central-1',
          // s3rver's fixed credentials; only ever used against the local endpoint.
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
}

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

export class MediaStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly urlTtlSeconds: number,
  ) {}

  /** A PUT URL bound to the key, the content type and the exact size, valid for minutes. */
  async presignUpload(key: string, contentType: string, size: number, now: Date): Promise<PresignedUpload> {
    const url = await getSignedUrl(
      this.s3,
      new PutObjectCommand({ Bucket: this.bucket, Key: key, ContentType: contentType, ContentLength: size }),
      { expiresIn: this.urlTtlSeconds, signableHeaders: new Set(['content-type', 'content-length']) },
    );
    return {
      method: 'PUT',
      url,
      headers: { 'content-type': contentType, 'content-length': String(size) },
      expiresAt: new Date(now.getTime() + this.urlTtlSeconds * 1000).toISOString(),
    };
  }

  /** A short-lived GET URL for one object; with `filename`, browsers save it under that name. */
  async presignDownload(key: string, now: Date, filename?: string): Promise<{ url: string; expiresAt: string }> {
    const url = await getSignedUrl(
      this.s3,
      new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(filename ? { ResponseContentDisposition: `attachment; filename="${filename}"` } : {}) }),
      { expiresIn: this.urlTtlSeconds },
    );
    return { url, expiresAt: new Date(now.getTime() + this.urlTtlSeconds * 1000).toISOString() };
  }

  async head(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The object's bytes, or its first `length` bytes; undefined when there is no such object (any more). */
  async read(key: string, length?: number): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(length ? { Range: `bytes=0-${length - 1}` } : {}) }),
      );
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  /** Copies an object; `missing` when the source is gone (a concurrent completion removed it). */
  async copy(from: string, to: string, contentType: string): Promise<'copied' | 'missing'> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          CopySource: `${this.bucket}/${from}`,
          Key: to,
          ContentType: contentType,
          MetadataDirective: 'REPLACE',
        }),
      );
      return 'copied';
    } catch (err) {
      if (isNotFound(err)) return 'missing';
      throw err;
    }
  }

  /**
   * Deletes the objects; an object that is already gone counts as deleted. Throws when any key
   * could not be deleted, so that nothing is reported deleted that was not.
   */
  async deleteAll(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const out = await this.s3.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
    );
    const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length > 0) {
      throw new Error(`could not delete ${failed.length} object(s): ${failed.map((e) => e.Code).join(', ')}`);
    }
  }
}
