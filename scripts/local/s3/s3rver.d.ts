// s3rver ships no types; this covers the part the local stack uses.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: { name: string; configs: (string | Buffer)[] }[];
  }

  export default class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    /** The Koa request handler, to serve s3rver from a server of one's own. */
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    /** Its filesystem store: an object's metadata, and (`getSubresource(bucket, undefined, 'cors')`) a bucket's CORS rules. */
    store: {
      /** Throws ENOENT when there is no such object; `etag` is the quoted MD5, as S3 sends it. */
      getMetadata(bucket: string, key: string): Promise<{ etag: string } & Record<string, unknown>>;
      getSubresource(
        bucket: string,
        key: undefined,
        resource: 'cors',
      ): Promise<{ matchRule(origin: string, method: string): { hasWildcardOrigin: boolean } | undefined } | null>;
    };
  }
}
