/**
 * `npm start` rebuilds the functions when one of their sources changes (serverless-esbuild's watch), and
 * serverless-offline then replaces every Lambda environment. Two things a developer relies on: files that are not
 * function sources (the site's build in web/dist, written by `npm run build:site` and the e2e run) set off no rebuild,
 * and the API keeps answering through one that does.
 */
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/local/service-config';
import { apiUrl } from './local';

const BUILD = path.join(ROOT, '.esbuild', 'offline', String(process.env.LOCAL_API_BACKEND_PORT), '.build', 'functions');
const built = () => statSync(path.join(BUILD, 'health', 'handler.js')).mtimeMs;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Not a measure: how long a file event and a full build of the functions may take on a busy 2-core machine. */
const REBUILD_LIMIT_MS = 90_000;

describe('rebuilding the functions of the running stack', () => {
  const probe = path.join(ROOT, 'web', 'dist', 'assets', `rebuild-probe-${process.pid}.js`);
  afterAll(() => rmSync(probe, { force: true }));

  it('does not rebuild for a file that is not a function source (the site build)', async () => {
    // Arrange
    const before = built();

    // Act
    mkdirSync(path.dirname(probe), { recursive: true });
    writeFileSync(probe, 'export const probe = 1;\n');
    await sleep(3_000);

    // Assess
    expect(built()).toBe(before);
  });

  it(
    'rebuilds when a function source changes, and answers every request made meanwhile',
    async () => {
      // Arrange
      const before = built();
      const source = path.join(ROOT, 'functions', 'health', 'handler.ts');
      const statuses: number[] = [];
      let rebuilt = false;
      const requests = (async () => {
        // Requests in flight while the environments are replaced, and after: none may hang or fail.
        while (!rebuilt) {
          const answers = await Promise.all(Array.from({ length: 5 }, () => fetch(`${apiUrl}/health`)));
          for (const answer of answers) statuses.push(answer.status);
        }
        for (const answer of await Promise.all(Array.from({ length: 5 }, () => fetch(`${apiUrl}/health`)))) statuses.push(answer.status);
      })();

      // Act: what an editor's save does to the file's times.
      const now = new Date();
      utimesSync(source, now, now);
      const deadline = Date.now() + REBUILD_LIMIT_MS;
      while (built() === before && Date.now() < deadline) await sleep(250);
      await sleep(2_000); // serverless-offline replaces its environments after the build is written
      rebuilt = true;
      await requests;

      // Assess
      expect(built()).toBeGreaterThan(before);
      expect(statuses.length).toBeGreaterThan(5);
      expect(statuses.filter((status) => status !== 200)).toEqual([]);
    },
    REBUILD_LIMIT_MS + 60_000,
  );
});
