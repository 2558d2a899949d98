/**
 * The template: serverless.yml and every resources/*.yml it includes, resolved for stage `local` by the framework
 * itself (`sls print`), so that the stack is built from exactly the definitions that deploy.
 */
import { ensureLocalKeyPair, ensureLocalReleaseKeyPair, LOCAL_KEY_NAME } from '../secrets/keys';
import { loadServiceConfig, type ServiceConfig } from '../service-config';
import type { StandIn } from '../stand-in';

export const template: StandIn<ServiceConfig> = {
  name: 'template',
  title: 'Resolving serverless.yml for stage local',
  async start(ctx) {
    // resources/paid.yml reads the local signing key's public half: the pair must exist before the template is read.
    ensureLocalKeyPair(LOCAL_KEY_NAME);
    // The site publishes the release public keys (config.json) and `npm run release` signs with the private one.
    ensureLocalReleaseKeyPair();
    // ctx.env holds the stack's ports, which serverless.yml reads for the `local` stage (e.g. the token issuer URL).
    return { provides: await loadServiceConfig('local', ctx.env), stop: async () => undefined };
  },
};
