/**
 * Secrets Manager: the endpoint of endpoint.ts serving the private half of the local CloudFront signing key pair
 * (keys.ts) under the secret name the paid content reads, the local release signing keys under the names
 * `npm run release` reads (any made while the stack runs, too), and the template's generated secrets (generated.ts;
 * the analytics address-hash key), each made once per state folder.
 */
import { existsSync } from 'node:fs';
import { LOCAL_REGION, localUrl } from '../ports';
import { param } from '../service-config';
import type { StandIn } from '../stand-in';
import { startLocalSecrets } from './endpoint';
import { generatedSecrets } from './generated';
import { isReleaseKeyName, LOCAL_KEY_NAME, localPrivateKeyPath, localReleaseKeyPath, releaseKeySecretName } from './keys';

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
      lookup: (name) => {
        const prefix = releaseKeySecretName(ctx.config.service, 'local', '');
        const keyName = name.startsWith(prefix) ? name.slice(prefix.length) : '';
        // The name check keeps a secret id from reaching outside the releases key folder.
        if (!isReleaseKeyName(keyName)) return undefined;
        const file = localReleaseKeyPath(keyName);
        return existsSync(file) ? file : undefined;
      },
    });
    return { url: secrets.url, stop: secrets.close };
  },
};
