import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseS3Location, s3Mirror } from '../../../../scripts/local/athena/s3-mirror';

/** A bucket in memory that pages ListObjects (v1) by `pageSize` keys, as S3 does by 1000. */
function fakeS3(objects: Map<string, { body: string; etag: string }>, pageSize = 2) {
  const gets: string[] = [];
  const client = {
    send: async (command: ListObjectsCommand | GetObjectCommand) => {
      if (command instanceof ListObjectsCommand) {
        const { Prefix = '', Marker = '' } = command.input;
        const keys = [...objects.keys()].filter((key) => key.startsWith(Prefix) && key > Marker).sort();
        const page = keys.slice(0, pageSize);
        return { Contents: page.map((Key) => ({ Key, ETag: objects.get(Key)?.etag })), IsTruncated: keys.length > pageSize };
      }
      const key = command.input.Key ?? '';
      gets.push(key);
      const body = objects.get(key)?.body ?? '';
      return { Body: { transformToByteArray: async () => new TextEncoder().encode(body) } };
    },
  };
  return { client: client as unknown as S3Client, gets };
}

const files = (dir: string): string[] =>
  (readdirSync(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();

describe('parseS3Location', () => {
  it.each([
    ['s3://ingestion/events/', { bucket: 'ingestion', prefix: 'events/' }],
    ['s3://ingestion/events', { bucket: 'ingestion', prefix: 'events/' }],
    ['s3://ingestion', { bucket: 'ingestion', prefix: '' }],
  ])('%s', (url, expected) => expect(parseS3Location(url)).toEqual(expected));

  it('refuses what is not an s3:// location', () => {
    expect(() => parseS3Location('https://ingestion.s3.amazonaws.com/events/')).toThrow();
  });
});

describe('s3Mirror', () => {
  let directory: string;
  beforeEach(() => {
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'mirror-')), 'events');
  });
  afterEach(() => rmSync(path.dirname(directory), { recursive: true, force: true }));

  it('copies the objects under the prefix, across listing pages, and nothing else', async () => {
    // Prepare
    const objects = new Map([
      ['events/dt=2024-05-01/hour=00/a.parquet', { body: 'A', etag: '"1"' }],
      ['events/dt=2024-05-01/hour=10/b.parquet', { body: 'B', etag: '"2"' }],
      ['events/dt=2024-05-02/hour=00/c.parquet', { body: 'C', etag: '"3"' }],
      ['errors/processing-failed/x', { body: 'X', etag: '"4"' }],
      ['events/dt=2024-05-02/', { body: '', etag: '"5"' }],
      ['events/dt=2024-05-02/../../escape', { body: 'E', etag: '"6"' }],
    ]);
    const { client } = fakeS3(objects);

    // Act
    await s3Mirror({ s3: client, location: parseS3Location('s3://ingestion/events/'), directory }).refresh();

    // Assess
    expect(files(directory)).toEqual(['dt=2024-05-01/hour=00/a.parquet', 'dt=2024-05-01/hour=10/b.parquet', 'dt=2024-05-02/hour=00/c.parquet']);
    expect(readFileSync(path.join(directory, 'dt=2024-05-01/hour=10/b.parquet'), 'utf8')).toBe('B');
    expect(existsSync(path.join(path.dirname(directory), 'escape'))).toBe(false);
  });

  it('fetches again only what is new or changed, and removes what is gone', async () => {
    // Prepare
    const objects = new Map([
      ['events/dt=2024-05-01/hour=00/a.parquet', { body: 'A', etag: '"1"' }],
      ['events/dt=2024-05-01/hour=10/b.parquet', { body: 'B', etag: '"2"' }],
    ]);
    const { client, gets } = fakeS3(objects);
    const mirror = s3Mirror({ s3: client, location: parseS3Location('s3://ingestion/events/'), directory });
    await mirror.refresh();
    gets.length = 0;

    // Act
    objects.set('events/dt=2024-05-01/hour=10/b.parquet', { body: 'B2', etag: '"7"' });
    objects.set('events/dt=2024-05-02/hour=00/c.parquet', { body: 'C', etag: '"8"' });
    objects.delete('events/dt=2024-05-01/hour=00/a.parquet');
    await mirror.refresh();

    // Assess
    expect(gets.sort()).toEqual(['events/dt=2024-05-01/hour=10/b.parquet', 'events/dt=2024-05-02/hour=00/c.parquet']);
    expect(files(directory)).toEqual(['dt=2024-05-01/hour=10/b.parquet', 'dt=2024-05-02/hour=00/c.parquet']);
    expect(readFileSync(path.join(directory, 'dt=2024-05-01/hour=10/b.parquet'), 'utf8')).toBe('B2');
  });

  it('starts from an empty directory, so what is on disk is what it fetched', async () => {
    const { client } = fakeS3(new Map());
    const mirror = s3Mirror({ s3: client, location: parseS3Location('s3://ingestion/events/'), directory });
    await mirror.refresh();
    expect(files(directory)).toEqual([]);
  });
});
