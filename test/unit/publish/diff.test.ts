import {
  CACHE_CONTROL,
  PROTECTED_PREFIXES,
  SitePlanError,
  cacheControlFor,
  contentTypeFor,
  invalidationPaths,
  isFingerprinted,
  isPublishable,
  planPublish,
  type LocalFile,
  type RemoteObject,
} from '../../../scripts/publish/diff';

const md5 = (char: string) => char.repeat(32);
const local = (key: string, hash = md5('a'), size = 100): LocalFile => ({ key, md5: hash, size });
// ListObjectsV2 returns ETags in double quotes.
const remote = (key: string, hash = md5('a')): RemoteObject => ({ key, etag: `"${hash}"`, size: 100 });

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['posts/hello-serverless.html', 'text/html; charset=utf-8'],
    ['assets/style.css', 'text/css; charset=utf-8'],
    ['assets/app-3f2a9c1b.js', 'text/javascript; charset=utf-8'],
    ['favicon.svg', 'image/svg+xml'],
    ['data/posts.json', 'application/json; charset=utf-8'],
    ['images/cover.webp', 'image/webp'],
    ['videos/intro/index.m3u8', 'application/vnd.apple.mpegurl'],
    ['videos/intro/segment-001.ts', 'video/mp2t'],
    ['assets/inter.woff2', 'font/woff2'],
    ['robots.txt', 'text/plain; charset=utf-8'],
  ])('%s is served as %s', (key, expected) => {
    // Act
    const type = contentTypeFor(key);

    // Assess
    expect(type).toBe(expected);
  });

  it('reads the extension case-insensitively', () => {
    // Act
    const type = contentTypeFor('PAGE.HTML');

    // Assess
    expect(type).toBe('text/html; charset=utf-8');
  });

  it.each([['LICENSE'], ['html'], ['data/file.unknownext']])(
    'falls back to application/octet-stream for %s (no or unknown extension)',
    (key) => {
      // Act
      const type = contentTypeFor(key);

      // Assess
      expect(type).toBe('application/octet-stream');
    },
  );
});

describe('cacheControlFor', () => {
  it.each([['index.html'], ['404.html'], ['posts/hello-serverless.html'], ['legacy/page.htm'], ['config.json']])(
    '%s revalidates after a minute',
    (key) => {
      // Act
      const header = cacheControlFor(key);

      // Assess
      expect(header).toBe('public, max-age=60, must-revalidate');
    },
  );

  it.each([
    ['assets/index-DiwrgTda.js'], // Vite/Rollup: 8 characters base64url
    ['assets/index-B-x_3kQa.css'], // base64url with - and _
    ['assets/main-JKL4HM2B.js'], // esbuild: base32
    ['static/main.3f2a9c1b.js'], // webpack: hex
    ['static/vendor.0123456789abcdef0123.js'], // a long hex hash
  ])('%s is fingerprinted and cached for a year, immutable', (key) => {
    // Act
    const header = cacheControlFor(key);

    // Assess
    expect(isFingerprinted(key)).toBe(true);
    expect(header).toBe('public, max-age=31536000, immutable');
  });

  it.each([
    ['assets/style.css'],
    ['favicon.svg'],
    ['images/photo-20240101.jpg'], // a date, not a hash
    ['images/screenshot-2024-01-01.png'],
    ['assets/deadbeef.css'], // no separator before it
    ['images/hello-serverless.webp'], // lowercase words
  ])('%s is an unhashed asset with the medium lifetime', (key) => {
    // Act
    const header = cacheControlFor(key);

    // Assess
    expect(isFingerprinted(key)).toBe(false);
    expect(header).toBe(CACHE_CONTROL.asset);
    expect(header).toMatch(/^public, max-age=\d+$/);
  });

  it('never marks an HTML page immutable, even with a hash-like name', () => {
    // Act
    const header = cacheControlFor('posts/report-3f2a9c1b.html');

    // Assess
    expect(header).toBe(CACHE_CONTROL.html);
  });
});

describe('isPublishable', () => {
  it('skips dotfiles but keeps .well-known content', () => {
    // Assess
    expect(isPublishable('.DS_Store')).toBe(false);
    expect(isPublishable('posts/.gitkeep')).toBe(false);
    expect(isPublishable('.well-known/security.txt')).toBe(true);
    expect(isPublishable('index.html')).toBe(true);
  });
});

describe('planPublish', () => {
  it('uploads files missing from the bucket as new, with their headers', () => {
    // Prepare
    const files = [local('index.html'), local('assets/style.css')];

    // Act
    const plan = planPublish(files, []);

    // Assess
    expect(plan.uploads).toEqual([
      {
        key: 'assets/style.css',
        md5: md5('a'),
        size: 100,
        reason: 'new',
        contentType: 'text/css; charset=utf-8',
        cacheControl: CACHE_CONTROL.asset,
      },
      {
        key: 'index.html',
        md5: md5('a'),
        size: 100,
        reason: 'new',
        contentType: 'text/html; charset=utf-8',
        cacheControl: CACHE_CONTROL.html,
      },
    ]);
    expect(plan.unchanged).toEqual([]);
    expect(plan.deletes).toEqual([]);
  });

  it('leaves files whose MD5 equals the ETag alone and uploads changed ones', () => {
    // Prepare
    const files = [local('index.html', md5('a')), local('404.html', md5('b'))];
    const objects = [remote('index.html', md5('a')), remote('404.html', md5('c'))];

    // Act
    const plan = planPublish(files, objects);

    // Assess
    expect(plan.unchanged.map((file) => file.key)).toEqual(['index.html']);
    expect(plan.uploads.map((upload) => [upload.key, upload.reason])).toEqual([['404.html', 'changed']]);
  });

  it('compares ETags without quotes and case-insensitively', () => {
    // Prepare
    const files = [local('index.html', 'abcdef0123456789abcdef0123456789')];
    const objects = [{ key: 'index.html', etag: '"ABCDEF0123456789ABCDEF0123456789"' }];

    // Act
    const plan = planPublish(files, objects);

    // Assess
    expect(plan.unchanged).toHaveLength(1);
    expect(plan.uploads).toHaveLength(0);
  });

  it('re-uploads an object with a multipart ETag or none, since neither can be compared', () => {
    // Prepare
    const files = [local('video.ts'), local('index.html')];
    const objects = [{ key: 'video.ts', etag: `"${md5('a')}-3"` }, { key: 'index.html' }];

    // Act
    const plan = planPublish(files, objects);

    // Assess
    expect(plan.uploads.map((upload) => upload.reason)).toEqual(['changed', 'changed']);
  });

  it('uploads everything with force, even unchanged files', () => {
    // Prepare
    const files = [local('index.html')];

    // Act
    const plan = planPublish(files, [remote('index.html')], { force: true });

    // Assess
    expect(plan.uploads.map((upload) => upload.reason)).toEqual(['forced']);
    expect(plan.unchanged).toEqual([]);
  });

  it('orders uploads with every asset before any page', () => {
    // Prepare
    const files = ['a.html', 'z.css', 'posts/b.html', 'favicon.svg', 'assets/app-3f2a9c1b.js'].map((key) => local(key));

    // Act
    const plan = planPublish(files, []);

    // Assess
    expect(plan.uploads.map((upload) => upload.key)).toEqual([
      'assets/app-3f2a9c1b.js',
      'favicon.svg',
      'z.css',
      'a.html',
      'posts/b.html',
    ]);
  });

  it('deletes objects the site no longer has', () => {
    // Prepare: the previous publish had index.html only, so the old stylesheet is older than that
    const files = [local('index.html')];
    const objects = [remote('index.html'), remote('posts/old.html'), remote('assets/old-3f2a9c1b.css')];

    // Act
    const plan = planPublish(files, objects, { previousSite: new Set(['index.html']) });

    // Assess
    expect(plan.deletes).toEqual(['assets/old-3f2a9c1b.css', 'posts/old.html']);
    expect(plan.retained).toEqual([]);
  });

  it("keeps the previous publish's hashed assets for one more publish, for pages loaded just before it", () => {
    // Prepare: the previous site was index.html with app-Bx8kQ2mE.js; the new build has app-C91zLw0p.js
    const files = [local('index.html'), local('assets/app-C91zLw0p.js')];
    const objects = [
      remote('index.html'),
      remote('assets/app-C91zLw0p.js'),
      remote('assets/app-Bx8kQ2mE.js'), // the previous publish's
      remote('assets/app-A0aa11Zz.js'), // the one before: no page can still want it
      remote('old.html'), // HTML is never kept: its own name is what a reader asks for
    ];
    const previousSite = new Set(['index.html', 'assets/app-Bx8kQ2mE.js', 'old.html']);

    // Act
    const plan = planPublish(files, objects, { previousSite });
    const firstEver = planPublish(files, objects);

    // Assess
    expect(plan.retained).toEqual(['assets/app-Bx8kQ2mE.js']);
    expect(plan.deletes).toEqual(['assets/app-A0aa11Zz.js', 'old.html']);
    // Without a manifest (the first publish with one) every stale hashed asset is kept once.
    expect(firstEver.retained).toEqual(['assets/app-A0aa11Zz.js', 'assets/app-Bx8kQ2mE.js']);
    expect(firstEver.deletes).toEqual(['old.html']);
  });

  it('never deletes objects under the prefixes other features own', () => {
    // Prepare
    const objects = [
      remote('thumbnails/cat-800.webp'),
      remote('premium/deep-dive.html'),
      remote('uploads/user-1/cat.jpg'),
      remote('thumbnailsfoo.html'), // a look-alike outside the prefix is the site's
    ];

    // Act
    const plan = planPublish([local('index.html')], objects);

    // Assess
    expect(PROTECTED_PREFIXES).toEqual(expect.arrayContaining(['thumbnails/', 'premium/', 'uploads/', '.publish/']));
    expect(plan.deletes).toEqual(['thumbnailsfoo.html']);
  });

  it('honours a custom list of protected prefixes', () => {
    // Prepare
    const objects = [remote('media/clip.m3u8'), remote('thumbnails/cat.webp')];

    // Act
    const plan = planPublish([local('index.html')], objects, { protectedPrefixes: ['media/'] });

    // Assess
    expect(plan.deletes).toEqual(['thumbnails/cat.webp']);
  });

  it('refuses a site that has files under a protected prefix', () => {
    // Prepare
    const files = [local('index.html'), local('premium/leak.html')];

    // Act
    const act = () => planPublish(files, []);

    // Assess
    expect(act).toThrow(SitePlanError);
    expect(act).toThrow(/premium\/leak\.html/);
  });
});

describe('invalidationPaths', () => {
  it('lists every uploaded and deleted key, and / for the root document', () => {
    // Prepare
    const plan = planPublish(
      [local('index.html', md5('b')), local('assets/style.css', md5('b')), local('404.html')],
      [remote('index.html'), remote('404.html'), remote('posts/old.html')],
    );

    // Act
    const paths = invalidationPaths(plan);

    // Assess
    expect(paths).toEqual(['/', '/assets/style.css', '/index.html', '/posts/old.html']);
  });

  it('is empty when nothing changed', () => {
    // Prepare
    const plan = planPublish([local('index.html')], [remote('index.html')]);

    // Act
    const paths = invalidationPaths(plan);

    // Assess
    expect(paths).toEqual([]);
  });

  it('collapses to /* above the limit', () => {
    // Prepare
    const files = Array.from({ length: 16 }, (_, i) => local(`posts/post-${i}.html`));
    const plan = planPublish(files, []);

    // Act
    const paths = invalidationPaths(plan);

    // Assess
    expect(paths).toEqual(['/*']);
  });

  it('keeps exactly the limit as single paths', () => {
    // Prepare
    const files = Array.from({ length: 15 }, (_, i) => local(`posts/post-${i}.html`));

    // Act
    const paths = invalidationPaths(planPublish(files, []));

    // Assess
    expect(paths).toHaveLength(15);
    expect(paths).not.toContain('/*');
  });

  it('URL-encodes unsafe characters and a literal *', () => {
    // Prepare
    const plan = planPublish([local('posts/café au lait*.html')], []);

    // Act
    const paths = invalidationPaths(plan);

    // Assess
    expect(paths).toEqual(['/posts/caf%C3%A9%20au%20lait%2A.html']);
  });
});
