/**
 * `npm run download -- --channel <channel> [--to <dir>] [--site <url>] [--stage <stage>] [--public-key <pem>]`:
 * the adapter around scripts/releases/client.ts. Installs the version a channel's latest.json points at into a folder,
 * verified against the release keys, resuming an interrupted download. Run with --help for the options.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../web/src/config';
import { ReleaseVerificationError, isChannel } from '../web/src/releases/manifest';
import { defaultDeps, DownloadError, install, statePath, trustedKeysFromFiles, trustedKeysFromSite } from './releases/client';
import { HOST, localPorts } from './local/ports';
import { loadServiceConfig } from './local/service-config';

const USAGE = `Usage: npm run download -- --channel <channel> [options]
       tsx scripts/download.ts --channel <channel> [options]

Downloads the version that <site>/releases/<channel>/latest.json names into a folder, after checking that manifest's
Ed25519 signature with a trusted release key, its expiry, and that it is not older than the version the folder has.
The file arrives as <file>.part (resumed after an interruption, with Range requests) and is renamed into place only
once its size and SHA-256 match the manifest. The folder keeps .release-<channel>.json: the installed version.

Options:
  --channel <channel>   the channel to install (required)
  --to <dir>            the folder (default: downloads/<channel>)
  --site <url>          the site to download from (default: the stage's)
  --stage <stage>       local (default): the local edge of \`npm start\` (LOCAL_PORT_OFFSET moves it); another stage:
                        its stack's SiteUrl output (AWS credentials)
  --public-key <file>   trust this Ed25519 public key (SPKI PEM; its id is the file name before .public.pem) instead of
                        the keys in the site's config.json; may be given more than once
  --region <region>     region of a deployed stage (default: AWS_REGION, else us-east-1)
  -h, --help            print this text

Exit status: 0 installed or already up to date; 1 refused or failed (the message says why); 2 usage.`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Options {
  channel: string;
  dir: string;
  site?: string;
  stage: string;
  publicKeys: string[];
  region: string;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      channel: { type: 'string' },
      to: { type: 'string' },
      site: { type: 'string' },
      stage: { type: 'string', default: 'local' },
      'public-key': { type: 'string', multiple: true, default: [] },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const channel = values.channel;
  if (channel === undefined) throw new UsageError('--channel is required');
  if (!isChannel(channel)) throw new UsageError(`--channel ${channel} is not a channel name (a-z, 0-9 and -, up to 40)`);
  let site = values.site;
  if (site !== undefined) {
    const url = URL.canParse(site) ? new URL(site) : undefined;
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new UsageError(`--site ${site} is not an http(s) URL`);
    site = site.replace(/\/+$/, '');
  }
  return {
    channel,
    dir: path.resolve(values.to ?? path.join('downloads', channel)),
    ...(site === undefined ? {} : { site }),
    stage: values.stage,
    publicKeys: values['public-key'].map((file) => path.resolve(file)),
    region: values.region ?? process.env.AWS_REGION ?? 'us-east-1',
  };
}

/** The stage's site: the local edge (as `npm start` passes its port down, else LOCAL_PORT_OFFSET's), or SiteUrl. */
async function stageSite(stage: string, region: string): Promise<string> {
  if (stage === 'local') return `http://${HOST}:${process.env.LOCAL_EDGE_PORT ?? localPorts().edge}`;
  // Loaded only here: a download from a site needs no AWS SDK (nor its start-up time).
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const config = await loadServiceConfig(stage);
  const stackName = `${config.service}-${stage}`;
  const { Stacks } = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: stackName }));
  const site = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'SiteUrl')?.OutputValue;
  if (site === undefined) throw new DownloadError('http', `stack ${stackName} has no SiteUrl output; pass --site <url>`);
  return site.replace(/\/+$/, '');
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** A path as typed relative to here when it is below here, else in full. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const site = options.site ?? (await stageSite(options.stage, options.region));
  const deps = defaultDeps((line) => console.log(line));
  if (process.stderr.isTTY) {
    let shown = -1;
    deps.progress = (bytes, total) => {
      const percent = total === 0 ? 100 : Math.floor((bytes / total) * 100);
      if (percent === shown) return;
      shown = percent;
      process.stderr.write(`\r${percent}%  ${mb(bytes)} of ${mb(total)}${bytes === total ? '\n' : ''}`);
    };
  }
  const keys = options.publicKeys.length > 0
    ? await trustedKeysFromFiles(options.publicKeys)
    : await trustedKeysFromSite(site, deps);

  const result = await install({ site, channel: options.channel, dir: options.dir, keys }, deps);
  const { manifest } = result;
  if (result.status === 'up-to-date') {
    console.log(`Already installed: ${options.channel} ${manifest.version} (${shown(result.path)}); nothing to download.`);
    return;
  }
  const from = result.previous === undefined ? '' : ` (was ${result.previous})`;
  const resumed = result.resumedFrom > 0 ? `, resumed at byte ${result.resumedFrom}` : '';
  // One stable line; test/integration/downloads.test.ts reads it.
  console.log(
    `Installed ${options.channel} ${manifest.version}${from}: ${shown(result.path)}, ${manifest.size} bytes, SHA-256 ${manifest.sha256} ` +
      `verified, signed by ${manifest.keyId}${resumed}. State: ${shown(statePath(options.dir, options.channel))}`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (error instanceof UsageError || (error instanceof TypeError && code?.startsWith('ERR_PARSE_ARGS_'))) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (error instanceof ReleaseVerificationError) {
    // Nothing of a refused release stays in the folder: the client removed its part before this.
    console.error(`Refused (${error.code}): ${error.message}. Nothing was installed.`);
  } else if (error instanceof DownloadError || error instanceof ConfigError) {
    console.error(`Download failed: ${error.message}`);
  } else {
    // Anything else keeps its stack for a bug report.
    console.error(error);
  }
  process.exitCode = 1;
});
