/** The paid-content pieces of the local stack: the signing key pair and the Secrets Manager endpoint serving it. */
import { ensureLocalKeyPair, LOCAL_KEY_NAME, localPrivateKeyPath } from './keys';
import { HOST, LOCAL_REGION, type LocalPorts } from '../ports';
import { startLocalSecrets } from './endpoint';
import { param, type ServiceConfig } from '../service-config';

/** Before serverless.yml is resolved: the template reads the local public key. */
export function preparePaidContent(): void {
  ensureLocalKeyPair(LOCAL_KEY_NAME);
}

export async function startPaidContent(config: ServiceConfig, ports: LocalPorts): Promise<() => Promise<void>> {
  const keyName = String(param(config, 'premiumKeyName'));
  if (keyName !== LOCAL_KEY_NAME) {
    throw new Error(`premiumKeyName is ${keyName} but the local stack makes ${LOCAL_KEY_NAME} (scripts/local/keys.ts)`);
  }
  const secrets = await startLocalSecrets({
    host: HOST,
    port: ports.secrets,
    region: LOCAL_REGION,
    secrets: { [String(param(config, 'premiumKeySecret'))]: localPrivateKeyPath(keyName) },
  });
  return () => secrets.close();
}
