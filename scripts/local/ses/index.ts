/**
 * SES: aws-ses-v2-local, an emulator of the SES v1 and v2 send APIs ("SendEmail", Amazon SES API v2 Reference) that
 * keeps every mail in an inbox, shown at its own URL.
 */
import { localUrl } from '../ports';
import { httpOk, waitUntil } from '../common/processes';
import type { StandIn } from '../stand-in';

export const ses: StandIn = {
  name: 'ses',
  title: 'Starting SES emulator',
  row: { label: 'SES inbox', rank: 6 },
  env: (ports) => ({ AWS_ENDPOINT_URL_SES: localUrl(ports.ses), AWS_ENDPOINT_URL_SESV2: localUrl(ports.ses) }),
  async start(ctx) {
    const proc = ctx.spawn({
      command: process.execPath,
      args: [require.resolve('aws-ses-v2-local/dist/cli.js'), '--host', ctx.host, '--port', String(ctx.ports.ses)],
    });
    await waitUntil('SES emulator', () => httpOk(`${localUrl(ctx.ports.ses)}/store`), { process: proc });
    return { url: `${localUrl(ctx.ports.ses)}/`, stop: () => proc.stop() };
  },
};
