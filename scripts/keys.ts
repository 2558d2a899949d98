/**
 * `npm run keys -- --stage <stage> [--name key-1] [--force]`: a new RSA-2048 key pair for CloudFront signed URLs.
 * The private key goes to Secrets Manager (`<service>/<stage>/cloudfront-key/<name>`) — for `local`, to the
 * git-ignored .local/keys/local/ — and never to the screen or the repo; the public key to keys/<stage>/<name>.public.pem,
 * which resources/paid.yml reads (commit it for deployed stages). Rotation: README, "Keys and rotation".
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { generateKeyPair, localPrivateKeyPath, publicKeyPath, writeLocalKeyPair } from './local/secrets/keys';

const USAGE = 'Usage: npm run keys -- --stage <stage> [--name key-1] [--region <r>] [--force]';
const SERVICE = 'serverless-blog';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' }, name: { type: 'string', default: 'key-1' }, region: { type: 'string' },
      force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.stage) return console.log(USAGE);
  const { stage, name, force } = values;
  const publicPath = publicKeyPath(stage, name);
  if (existsSync(publicPath) && !force) {
    throw new Error(`${path.relative(process.cwd(), publicPath)} exists; pass --force to replace it, or choose another --name`);
  }
  if (stage === 'local') {
    writeLocalKeyPair(name);
    console.log(`local key pair ${name}: ${path.relative(process.cwd(), publicPath)}, private key in ${path.relative(process.cwd(), localPrivateKeyPath(name))}`);
    return;
  }
  const { publicPem, privatePem } = generateKeyPair();
  const secretName = `${SERVICE}/${stage}/cloudfront-key/${name}`;
  const client = new SecretsManagerClient({ region: values.region ?? process.env.AWS_REGION ?? 'us-east-1' });
  try {
    await client.send(new CreateSecretCommand({
      Name: secretName,
      Description: `CloudFront signing key ${name} of ${SERVICE}-${stage} (public half: keys/${stage}/${name}.public.pem)`,
      SecretString: privatePem,
    }));
  } catch (error) {
    if (!(error instanceof ResourceExistsException) || !force) throw error;
    await client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: privatePem }));
  } finally {
    client.destroy();
  }
  mkdirSync(path.dirname(publicPath), { recursive: true });
  writeFileSync(publicPath, publicPem);
  console.log(`stored secret ${secretName}; wrote ${path.relative(process.cwd(), publicPath)} — commit it and deploy`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
