/**
 * `npm run release` (scripts/release.ts) as a maintainer runs it, for what it refuses before it reaches anything: a
 * name that can never be published is a usage error (exit 2), said before any key, bucket or stack is asked for — so
 * the answer is the same with no stack running.
 */
import { runScript } from '../../support/scripts';

const release = (...args: string[]) => runScript('scripts/release.ts', '--stage', 'local', ...args);

describe('npm run release refuses what can never be published, before asking for a key', () => {
  it.each([
    [['--channel', '../stable', '--version', '1.0.0', '--file', 'package.json'], /^\.\.\/stable: a channel is a-z, 0-9 and '-'/],
    [['--channel', 'Stable', '--version', '1.0.0', '--file', 'package.json'], /^Stable: a channel is/],
    [['--channel', 'stable', '--version', 'v1.0.0', '--file', 'package.json'], /^v1\.0\.0 is not a semantic version/],
    [['--channel', 'stable', '--version', '1.0', '--file', 'package.json'], /^1\.0 is not a semantic version/],
    [['--channel', 'stable', '--version', '1.0.0+build.7', '--file', 'package.json'], /^1\.0\.0\+build\.7: build metadata/],
    [['--channel', 'stable', '--version', '1.0.0', '--file', 'docs/my app.zip'], /^my app\.zip: a release file name is/],
    [['--channel', 'stable', '--rollback', 'latest'], /^latest is not a semantic version/],
    [['--channel', 'stable', '--rollback', '1.0.0', '--file', 'package.json'], /^--rollback takes no --version or --file/],
  ])('%j', async (args, message) => {
    // Act
    const run = await release(...args);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(message.source, 'm'));
  });
});
