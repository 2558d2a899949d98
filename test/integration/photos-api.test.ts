/**
 * The photo routes on the local stack, through the API front with real tokens, as the web app and an attacker call
 * them: POST /uploads records a pending photo that GET /photos and GET /photos/{id} show, newest first and paged;
 * another user's photo is a 404 on every route; DELETE removes the original, every thumbnail and the record; and the
 * daily quota holds under parallel requests against the real DynamoDB Local.
 */
import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import http from 'node:http';
import { loadServiceConfig } from '../../scripts/local/service-config';
import { createUser, decode, type TestUser } from './cognito';
import { apiUrl, dynamodb, s3, siteUrl } from './local';

const PHOTOS_TABLE = 'serverless-blog-local-photos-table';
const UPLOADS_BUCKET = 'serverless-blog-local-uploads-bucket';
const THUMBNAILS_BUCKET = 'serverless-blog-local-thumbnails-bucket';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => unknown;
}

/** node:http, not fetch: fetch refuses TRACE and some methods' bodies, and some offsets' ports. */
function send(method: string, path: string, options: { user?: TestUser; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${apiUrl}${path}`,
      {
        method,
        agent: false,
        headers: {
          ...(options.user ? { authorization: `Bearer ${options.user.accessToken}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface UploadAnswer {
  id: string;
  key: string;
}

interface Photo {
  id: string;
  status: string;
  createdAt: string;
  contentType: string;
  thumbnails?: { width: number; url: string }[];
}

interface PhotoPage {
  photos: Photo[];
  nextCursor?: string;
}

const requestUpload = (user: TestUser, contentType = 'image/jpeg') => send('POST', '/uploads', { user, body: { contentType, size: 1000 } });

async function upload(user: TestUser): Promise<UploadAnswer> {
  const answer = await requestUpload(user);
  expect(answer.status).toBe(201);
  return answer.json() as UploadAnswer;
}

const subOf = (user: TestUser) => String(decode(user.accessToken).payload.sub);

async function item(owner: string, photoId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: PHOTOS_TABLE, Key: marshall({ owner, photoId }), ConsistentRead: true }));
  return Item && unmarshall(Item);
}

const today = () => new Date().toISOString().slice(0, 10);
const secondsToMidnight = () => {
  const now = new Date();
  return (Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000;
};

/** The `{"error":{"code","message"}}` shape with this code, and nothing else. */
function expectError(answer: Answer, status: number, code: string): void {
  expect([answer.status, answer.headers['content-type']]).toEqual([status, 'application/json; charset=utf-8']);
  expect(answer.json()).toEqual({ error: { code, message: expect.any(String) as string } });
}

describe('the photo routes', () => {
  let alice: TestUser;
  let bob: TestUser;
  let alicePhoto: UploadAnswer;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([createUser(), createUser()]);
    alicePhoto = await upload(alice);
  }, 60_000);

  it('POST /uploads records a pending photo; GET /photos/{id} and GET /photos show it before any upload', async () => {
    // Act
    const one = await send('GET', `/photos/${alicePhoto.id}`, { user: alice });
    const list = await send('GET', '/photos', { user: alice });

    // Assess
    expect(alicePhoto.id).toMatch(UUID);
    expect(alicePhoto.key).toBe(`uploads/${subOf(alice)}/${alicePhoto.id}.jpg`);
    expect(one.status).toBe(200);
    const photo = one.json() as Photo;
    expect(photo).toEqual({ id: alicePhoto.id, status: 'pending', createdAt: expect.any(String) as string, contentType: 'image/jpeg' });
    expect(Math.abs(Date.parse(photo.createdAt) - Date.now())).toBeLessThan(60_000);
    expect((list.json() as PhotoPage).photos).toEqual([photo]);
    // The record expires a day after the presigned POST does, unless the photo arrives.
    const stored = await item(subOf(alice), alicePhoto.id);
    expect(stored).toMatchObject({ status: 'pending', uploadKey: alicePhoto.key, contentType: 'image/jpeg' });
    expect(Number(stored?.expiresAt) - Date.now() / 1000).toBeGreaterThan(86_400);
  });

  it('GET /photos lists newest first and pages with the cursor: every photo once, and no cursor after the last', async () => {
    // Prepare: a user of their own, four uploads one after the other
    const carol = await createUser();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await upload(carol)).id);

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const answer = await send('GET', `/photos?limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`, { user: carol });
      expect(answer.status).toBe(200);
      const page = answer.json() as PhotoPage;
      pages.push(page.photos.map((photo) => photo.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 5);

    // Assess
    expect(pages).toEqual([ids.slice(1).reverse(), [ids[0]]]);
  });

  it('answers another user\'s photo with 404 not_found on GET and DELETE, and deletes nothing', async () => {
    // Act
    const get = await send('GET', `/photos/${alicePhoto.id}`, { user: bob });
    const del = await send('DELETE', `/photos/${alicePhoto.id}`, { user: bob });
    const list = await send('GET', '/photos', { user: bob });

    // Assess
    expectError(get, 404, 'not_found');
    expectError(del, 404, 'not_found');
    expect(list.json()).toEqual({ photos: [] });
    expect(await item(subOf(alice), alicePhoto.id)).toMatchObject({ status: 'pending' });
  });

  it('answers another user\'s cursor, a garbage one and a huge one with 400 invalid_cursor', async () => {
    // Prepare: a real cursor of Alice's
    await upload(alice);
    const page = (await send('GET', '/photos?limit=1', { user: alice })).json() as PhotoPage;
    expect(page.nextCursor).toEqual(expect.any(String));

    // Act
    const answers = await Promise.all(
      [
        [bob, page.nextCursor!],
        [alice, 'garbage'],
        [alice, `${page.nextCursor!}x`],
        [alice, 'A'.repeat(6000)],
        [alice, encodeURIComponent('{"owner":"x"}')],
        [alice, '%FF%FE'],
      ].map(([user, cursor]) => send('GET', `/photos?cursor=${cursor as string}`, { user: user as TestUser })),
    );

    // Assess
    for (const answer of answers) expectError(answer, 400, 'invalid_cursor');
  });

  it.each(['0', '-1', '1e9', 'abc', '', '51', '1.5', '%201', '1%2C2'])('answers limit=%s with 400 invalid_limit', async (limit) => {
    expectError(await send('GET', `/photos?limit=${limit}`, { user: alice }), 400, 'invalid_limit');
  });

  it('reads an id spelled with encoded letters as the id (API Gateway decodes the path once), and nothing else as one', async () => {
    // Prepare
    const encoded = alicePhoto.id.replace(/[a-f]/, (letter) => `%${letter.charCodeAt(0).toString(16)}`);
    const counterId = encodeURIComponent(`quota#${today()}`);

    // Act
    const same = await send('GET', `/photos/${encoded}`, { user: alice });
    const answers = await Promise.all([
      send('GET', `/photos/${alicePhoto.id.toUpperCase()}`, { user: alice }),
      send('GET', `/photos/${counterId}`, { user: alice }),
      send('DELETE', `/photos/${counterId}`, { user: alice }),
      send('GET', `/photos/${alicePhoto.id}.jpg`, { user: alice }),
      send('GET', `/photos/${alicePhoto.id}%00`, { user: alice }),
      send('GET', `/photos/${'a'.repeat(4000)}`, { user: alice }),
    ]);
    const routeless = await Promise.all([
      send('GET', `/photos/${alicePhoto.id}%2F..`, { user: alice }),
      send('GET', `/photos/${alicePhoto.id}/`, { user: alice }),
      send('DELETE', `/photos/x/..`, { user: alice }),
      send('DELETE', '/photos', { user: alice }),
    ]);

    // Assess: the day's counter (an item of the same table) is never reachable as a photo
    expect(same.status).toBe(200);
    expect((same.json() as Photo).id).toBe(alicePhoto.id);
    for (const answer of answers) expectError(answer, 404, 'not_found');
    expect(routeless.map((answer) => [answer.status, answer.json()])).toEqual(Array(4).fill([404, { message: 'Not Found' }]));
    expect(await item(subOf(alice), `quota#${today()}`)).toMatchObject({ uploads: expect.any(Number) as number });
  });

  it('has only GET and DELETE on /photos/{id} and only GET on /photos; no token is a 401 on each', async () => {
    // Prepare: an id Alice has no photo under, so a DELETE that got through would be a 404 not_found, not a deletion
    const unknown = '00000000-0000-4000-8000-000000000000';
    const methods = ['HEAD', 'POST', 'PUT', 'PATCH', 'TRACE', 'OPTIONS'];

    // Act
    const other = await Promise.all(
      ['/photos', `/photos/${alicePhoto.id}`].flatMap((path) => methods.map(async (method) => [method, path, (await send(method, path, { user: alice })).status])),
    );
    const deleteList = await send('DELETE', '/photos', { user: alice });
    const anonymous = await Promise.all([
      send('GET', '/photos'),
      send('GET', `/photos/${alicePhoto.id}`),
      send('DELETE', `/photos/${alicePhoto.id}`),
      send('GET', '/photos', { headers: { authorization: 'Bearer not.a.token' } }),
    ]);
    const deleteUnknown = await send('DELETE', `/photos/${unknown}`, { user: alice });

    // Assess
    expect(other.filter(([, , status]) => status !== 404)).toEqual([]);
    expect(deleteList.status).toBe(404);
    expect(anonymous.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    expectError(deleteUnknown, 404, 'not_found');
    expect(await item(subOf(alice), alicePhoto.id)).toBeDefined();
  });

  it('lets a page of another origin DELETE (CORS preflight), and read Retry-After', async () => {
    // Act
    const preflight = await send('OPTIONS', `/photos/${alicePhoto.id}`, {
      headers: { origin: siteUrl, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
    });
    const get = await send('GET', '/photos', { user: alice, headers: { origin: siteUrl } });

    // Assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']?.split(',')).toEqual(expect.arrayContaining(['GET', 'DELETE']));
    expect(get.headers['access-control-expose-headers']).toBe('Retry-After');
  });

  it('DELETE removes the original, every thumbnail (recorded or not) and the record: then 404, and a second DELETE 404', async () => {
    // Prepare: a photo as the consumer leaves it once ready, its original and thumbnails where the flow puts them (the
    // original is not an image, so the thumbnails function, which its upload triggers, writes nothing of its own)
    const owner = subOf(alice);
    const photo = await upload(alice);
    const folder = `thumbnails/${owner}/${photo.id}/`;
    const neighbour = `thumbnails/${owner}/${alicePhoto.id}/w160.webp`;
    const thumbnails = [160, 480].map((width) => ({ width, height: width, format: 'webp', contentType: 'image/webp', bytes: 4, key: `${folder}w${width}.webp` }));
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS_BUCKET, Key: photo.key, Body: 'not really a photo', ContentType: 'image/jpeg' }));
    for (const key of [...thumbnails.map((t) => t.key), `${folder}w480.avif`, neighbour]) {
      await s3.send(new PutObjectCommand({ Bucket: THUMBNAILS_BUCKET, Key: key, Body: 'webp', ContentType: 'image/webp' }));
    }
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: PHOTOS_TABLE,
        Key: marshall({ owner, photoId: photo.id }),
        UpdateExpression: 'SET #status = :ready, original = :original, thumbnails = :thumbnails REMOVE expiresAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':ready': 'ready', ':original': { bytes: 18 }, ':thumbnails': thumbnails }),
      }),
    );
    const ready = (await send('GET', `/photos/${photo.id}`, { user: alice })).json() as Photo;

    // Act
    const deleted = await send('DELETE', `/photos/${photo.id}`, { user: alice });

    // Assess: the URLs were the distribution's (the edge served them), and everything of this photo is gone
    expect(ready.thumbnails?.map((t) => t.url)).toEqual(thumbnails.map((t) => `${siteUrl}/${t.key}`));
    expect([deleted.status, deleted.body]).toEqual([204, '']);
    await expect(s3.send(new HeadObjectCommand({ Bucket: UPLOADS_BUCKET, Key: photo.key }))).rejects.toMatchObject({ name: 'NotFound' });
    const left = await s3.send(new ListObjectsV2Command({ Bucket: THUMBNAILS_BUCKET, Prefix: folder }));
    expect(left.Contents ?? []).toEqual([]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: THUMBNAILS_BUCKET, Key: neighbour }))).ContentType).toBe('image/webp');
    expect(await item(owner, photo.id)).toBeUndefined();
    expectError(await send('GET', `/photos/${photo.id}`, { user: alice }), 404, 'not_found');
    expectError(await send('DELETE', `/photos/${photo.id}`, { user: alice }), 404, 'not_found');
  });

  it('serves a thumbnail URL of GET /photos/{id} through the edge', async () => {
    // Prepare
    const owner = subOf(alice);
    const photo = await upload(alice);
    const key = `thumbnails/${owner}/${photo.id}/w160.webp`;
    await s3.send(new PutObjectCommand({ Bucket: THUMBNAILS_BUCKET, Key: key, Body: Buffer.from('RIFF0000WEBP'), ContentType: 'image/webp' }));
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: PHOTOS_TABLE,
        Key: marshall({ owner, photoId: photo.id }),
        UpdateExpression: 'SET #status = :ready, thumbnails = :thumbnails REMOVE expiresAt',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':ready': 'ready', ':thumbnails': [{ width: 160, height: 90, format: 'webp', contentType: 'image/webp', bytes: 12, key }] }),
      }),
    );

    // Act
    const { thumbnails } = (await send('GET', `/photos/${photo.id}`, { user: alice })).json() as Photo;
    const served = await new Promise<{ status: number; type?: string }>((resolve, reject) => {
      http.get(thumbnails?.[0]?.url ?? '', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] });
      }).on('error', reject);
    });

    // Assess
    expect(served).toEqual({ status: 200, type: 'image/webp' });
  });
});

describe('the daily upload quota', () => {
  let limit: number;

  beforeAll(async () => {
    const { functions } = await loadServiceConfig('local');
    limit = Number(functions['upload-url']?.environment?.UPLOADS_PER_DAY);
    expect(limit).toBeGreaterThan(1);
    // The counter is per UTC day: a run that straddles midnight would count on two. Wait it out (rare, short).
    const seconds = secondsToMidnight();
    if (seconds < 90) await new Promise((resolve) => setTimeout(resolve, (seconds + 1) * 1000));
  }, 180_000);

  it('at limit - 1, of 8 parallel POST /uploads exactly one is signed; the others are 429 with Retry-After', async () => {
    // Prepare: a user of their own uploads up to one below the limit, ten requests at a time
    const dave = await createUser();
    const owner = subOf(dave);
    for (let done = 0; done < limit - 1; done += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, limit - 1 - done) }, () => requestUpload(dave)));
      expect(batch.map((answer) => answer.status)).toEqual(batch.map(() => 201));
    }

    // Act: eight at once, with the site's Origin (the web app reads Retry-After through CORS)
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => send('POST', '/uploads', { user: dave, body: { contentType: 'image/png', size: 10 }, headers: { origin: siteUrl } })),
    );
    const after = await requestUpload(dave);
    const someoneElse = await requestUpload(await createUser());

    // Assess
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused).toHaveLength(7);
    for (const answer of [...refused, after]) {
      expectError(answer, 429, 'upload_quota_exceeded');
      const retryAfter = Number(answer.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(Math.abs(retryAfter - secondsToMidnight())).toBeLessThan(60);
    }
    expect(refused[0]?.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(someoneElse.status).toBe(201);
    // Exactly `limit` photos recorded, and the counter says so
    expect(await item(owner, `quota#${today()}`)).toMatchObject({ uploads: limit });
    const { Count } = await dynamodb.send(
      new QueryCommand({
        TableName: PHOTOS_TABLE,
        IndexName: 'byCreatedAt',
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: marshall({ ':owner': owner }),
        Select: 'COUNT',
      }),
    );
    expect(Count).toBe(limit);
  }, 120_000);
});
