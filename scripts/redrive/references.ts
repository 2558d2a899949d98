/**
 * What the events of on-failure records refer to. The thumbnails function's event is S3's event message for an object
 * under `uploads/` of the uploads bucket ("Event message structure", S3 user guide); the object may have been deleted
 * since (by its owner, or the bucket's lifecycle), and S3 is strongly consistent, so a missing object stays missing:
 * such a record is reported with its key, not re-invoked (the function would only report it `missing`).
 */
import { decodeS3Key } from '../../functions/thumbnails/process-upload';
import type { References } from './on-failure';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The records of an S3 event whose object still exists; a record of another bucket or outside `uploads/` makes the
 * event malformed (the function never gets one: the bucket's notification is for that prefix only).
 */
export function uploadReferences(bucket: string, exists: (key: string) => Promise<boolean>): References {
  return async (payload) => {
    const event = isObject(payload) ? payload : {};
    const records = event.Records;
    if (!Array.isArray(records) || records.length === 0) return { malformed: 'the event is no S3 event (no Records)' };
    const keys: string[] = [];
    for (const record of records as unknown[]) {
      const s3 = isObject(record) && isObject(record.s3) ? record.s3 : undefined;
      const name = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
      const encoded = s3 && isObject(s3.object) ? s3.object.key : undefined;
      if (typeof name !== 'string' || typeof encoded !== 'string') return { malformed: 'an S3 event record without bucket name or object key' };
      if (name !== bucket) return { malformed: `an object of bucket ${name}, not of the uploads bucket ${bucket}` };
      let key: string;
      try {
        key = decodeS3Key(encoded);
      } catch {
        return { malformed: `an object key that is not URL-encoded: ${encoded}` };
      }
      if (!key.startsWith('uploads/')) return { malformed: `an object outside uploads/: ${key}` };
      keys.push(key);
    }
    const present: unknown[] = [];
    const gone: string[] = [];
    for (const [i, key] of keys.entries()) {
      if (await exists(key)) present.push(records[i]);
      else gone.push(`s3://${bucket}/${key}`);
    }
    return { payload: present.length === 0 ? undefined : { ...event, Records: present }, gone };
  };
}
