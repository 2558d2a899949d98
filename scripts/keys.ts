/**
 * `npm run keys -- --stage <stage> [--name key-1] [--force]`: a new RSA-2048 key pair for CloudFront signed URLs.
 * `npm run keys -- --stage <stage> --release [--name release-1] [--force]`: a new Ed25519 key pair for signing release
 * manifests (`npm run release`).
 * The private key goes to Secrets Manager (`<service>/<stage>/cloudfront-key/<name>`, or `…/release-key/<name>`) — for
 * `local`, to the git-ignored .local/keys/local/ — and never to the screen or the repo; the public key to
 * keys/<stage>/<name>.public.pem, which resources/paid.yml reads, or keys/<stage>/releases/<name>.public.pem, which the
 * site publishes (commit them for deployed stages). Rotation: README, "Keys and rotation" and "Releases".
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  generateKeyPair, generateReleaseKeyPair, isReleaseKeyName, localPrivateKeyPath, localReleaseKeyPath, publicKeyPath,
  releaseKeySecretName, releasePublicKeyPath, writeLocalKeyPair, writeLocalReleaseKeyPair, LOCAL_RELEASE_KEY_NAME,
} from './local/secrets/keys';

const USAGE = `Usage: npm run keys -- --stage <stage> [--name key-1] [--region <r>] [--force]
       npm run keys -- --stage <stage> --release [--name ${LOCAL_RELEASE_KEY_NAME}] [--region <r>] [--force]`;
const SERVICE = 'serverless-blog';

interface KeyKind {
  label: string;
  publicPath: string;
  localPrivatePath: string;
  secretName: string;
  generate: () => { publicPem: string; privatePem: string };
  writeLocal: () => void;
}

function keyKind(stage: string, name: string, release: boolean): KeyKind {
  if (release) {
    if (!isReleaseKeyName(name)) throw new Error(`--name ${name}: a release key name is a-z, 0-9 and -, at most 64 characters`);
    return {
      label: 'Release signing key',
      publicPath: releasePublicKeyPath(stage, name),
      localPrivatePath: localReleaseKeyPath(name),
      secretName: releaseKeySecretName(SERVICE, stage, name),
      generate: generateReleaseKeyPair,
      writeLocal: () => writeLocalReleaseKeyPair(name),
    };
  }
  return {
    label: 'CloudFront signing key',
    publicPath: publicKeyPath(stage, name),
    localPrivatePath: localPrivateKeyPath(name),
    secretName: `${SERVICE}/${stage}/cloudfront-key/${name}`,
    generate: generateKeyPair,
    writeLocal: () => writeLocalKeyPair(name),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' },
      release: { type: 'boolean', default: false }, force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.stage) return console.log(USAGE);
  const { stage, force, release } = values;
  const name = values.name ?? (release ? LOCAL_RELEASE_KEY_NAME : 'key-1');
  const kind = keyKind(stage, name, release);
  const relative = (file: string) => path.relative(process.cwd(), file);
  if (existsSync(kind.publicPath) && !force) {
    throw new Error(`${relative(kind.publicPath)} exists; pass --force to replace it, or choose another --name`);
  }
  if (stage === 'local') {
    kind.writeLocal();
    console.log(`local key pair ${name}: ${relative(kind.publicPath)}, private key in ${relative(kind.localPrivatePath)}`);
    return;
  }
  const { publicPem, privatePem } = kind.generate();
  const client = new SecretsManagerClient({ region: values.region ?? process.env.AWS_REGION ?? 'us-east-1' });
  try {
    await client.send(new CreateSecretCommand({
      Name: kind.secretName,
      Description: `${kind.label} ${name} of ${SERVICE}-${stage} (public half: ${path.relative(path.resolve(__dirname, '..'), kind.publicPath)})`,
      SecretString: privatePem,
    }));
  } catch (error) {
    if (!(error instanceof ResourceExistsException) || !force) throw error;
    await client.send(new PutSecretValueCommand({ SecretId: kind.secretName, SecretString: privatePem }));
  } finally {
    client.destroy();
  }
  mkdirSync(path.dirname(kind.publicPath), { recursive: true });
  writeFileSync(kind.publicPath, publicPem);
  const next = release ? 'commit it and publish the site (npm run publish:site) so that clients trust it' : 'commit it and deploy';
  console.log(`stored secret ${kind.secretName}; wrote ${relative(kind.publicPath)} — ${next}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
