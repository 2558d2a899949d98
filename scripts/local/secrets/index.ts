/**
 * Secrets Manager: the endpoint of endpoint.ts serving the private half of the local CloudFront signing key pair
 * (keys.ts) under the secret name the paid content reads, and the template's generated secrets (generated.ts; the
 * analytics address-hash key), each made once per state folder.
 */
import { LOCAL_REGION, localUrl } from '../ports';
import { param } from '../service-config';
import type { StandIn } from '../stand-in';
import { startLocalSecrets } from './endpoint';
import { generatedSecrets } from './generated';
import { LOCAL_KEY_NAME, localPrivateKeyPath } from './keys';

export const secretsManager: StandIn = {
  name: 'secrets',
  title: 'Starting the local Secrets Manager endpoint',
  env: (ports) => ({ AWS_ENDPOINT_URL_SECRETS_MANAGER: localUrl(ports.secrets) }),
  async start(ctx) {
    const keyName = String(param(ctx.config, 'premiumKeyName'));
    if (keyName !== LOCAL_KEY_NAME) {
      throw new Error(`premiumKeyName is ${keyName} but the local stack makes ${LOCAL_KEY_NAME} (scripts/local/secrets/keys.ts)`);
    }
    const secrets = await startLocalSecrets({
      host: ctx.host,
      port: ctx.ports.secrets,
      region: LOCAL_REGION,
      secrets: {
        ...generatedSecrets(ctx.config, ctx.dirs.state),
        [String(param(ctx.config, 'premiumKeySecret'))]: localPrivateKeyPath(keyName),
      },
    });
    return { url: secrets.url, stop: secrets.close };
  },
};
