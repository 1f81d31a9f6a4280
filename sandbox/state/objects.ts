/**
 * S3's buckets and objects. The buckets come from the config (the sandbox creates none on
 * request); an object's bytes live on disk under `<dataDir>/s3/<bucket>/`, named by the SHA-256
 * of its key (keys may hold any character and be 1,024 bytes long), its metadata here. Writes are
 * whole and atomic (a temp file renamed into place), reads are strongly consistent, as S3's have
 * been since December 2020 ("Amazon S3 data consistency model", S3 user guide).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One stored object's metadata. */
export interface StoredObject {
  bucket: string;
  key: string;
  size: number;
  /** The MD5 of the bytes in hex, quoted, as S3 reports a single-part upload's ETag. */
  etag: string;
  lastModified: Date;
  contentType: string;
  file: string;
}

/** The configured buckets and what they hold. */
export class ObjectStore {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();

  constructor(
    private readonly dir: string,
    bucketNames: readonly string[],
  ) {
    for (const name of bucketNames) this.buckets.set(name, new Map());
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  /** Stores (or replaces) an object; the bucket must exist. */
  async put(bucket: string, key: string, body: Buffer, contentType = 'binary/octet-stream'): Promise<StoredObject> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new Error(`no bucket ${bucket}`);
    const bucketDir = join(this.dir, bucket);
    await mkdir(bucketDir, { recursive: true });
    const file = join(bucketDir, createHash('sha256').update(key).digest('hex'));
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, body);
    await rename(temp, file);
    const stored: StoredObject = {
      bucket,
      key,
      size: body.length,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: new Date(),
      contentType,
      file,
    };
    objects.set(key, stored);
    return stored;
  }

  head(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.get(key);
  }

  /** The object's bytes, or undefined when there is no such object. */
  async read(bucket: string, key: string): Promise<{ object: StoredObject; body: Buffer } | undefined> {
    const object = this.head(bucket, key);
    if (!object) return undefined;
    return { object, body: await readFile(object.file) };
  }

  /** Every object of a bucket whose key starts with `prefix`, in UTF-8 binary key order (as S3 lists them). */
  list(bucket: string, prefix = ''): StoredObject[] {
    const objects = [...(this.buckets.get(bucket)?.values() ?? [])].filter((o) => o.key.startsWith(prefix));
    return objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  /** Every object of every bucket (for the control endpoint). */
  listAll(): StoredObject[] {
    return this.bucketNames().flatMap((bucket) => this.list(bucket));
  }

  /** Forgets every object (the buckets stay) and deletes their bytes. */
  async clear(): Promise<void> {
    for (const objects of this.buckets.values()) objects.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
