import { build, type Metafile, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the plugins are the CommonJS file serverless-esbuild loads
const plugins = require('../../scripts/serverless/esbuild-plugins.cjs') as Plugin[];
const [sdkSchemas, lazyEventStreams] = plugins as [Plugin, Plugin];

const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
/** The SDK clients the functions use. */
const CLIENTS = Object.keys(pkg.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

/** As serverless.yml `custom.esbuild` builds a function, from source text. */
async function bundle(source: string, options: { plugins: Plugin[]; minify?: boolean }) {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    minify: options.minify ?? true,
    keepNames: true,
    external: ['@aws-sdk/credential-provider-*', '@smithy/credential-provider-imds'],
    plugins: options.plugins,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0] as Metafile['outputs'][string];
  return { code: result.outputFiles[0]!.text, inputs: output.inputs };
}

const bytesFrom = (inputs: Metafile['outputs'][string]['inputs'], part: string) =>
  Object.entries(inputs).reduce((sum, [file, input]) => sum + (file.includes(part) ? input.bytesInOutput : 0), 0);

/** The module's exports, evaluated: schemas are nested arrays and objects, with thunks (`() => Shape$`) as text. */
function evaluate(code: string): string {
  const module = { exports: {} as Record<string, unknown> };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluating the bundle under test
  const run = new Function('module', 'exports', 'require', code) as (m: typeof module, e: unknown, r: NodeJS.Require) => void;
  run(module, module.exports, require);
  return JSON.stringify(module.exports, (_key, value: unknown) => (typeof value === 'function' ? String(value) : value));
}

describe('sdk-schemas', () => {
  it.each(CLIENTS)('%s: the schema module exports the same values', async (client) => {
    // Prepare: every export of the module, built without and with the plugin (not minified: thunks compare as text)
    const source = `export * from '${client}/dist-es/schemas/schemas_0.js';`;

    // Act
    const [plain, inlined] = await Promise.all([
      bundle(source, { plugins: [], minify: false }),
      bundle(source, { plugins: [sdkSchemas], minify: false }),
    ]);

    // Assess: the same shapes, and the keys were rewritten (else the plugin no longer matches the SDK's code)
    const shapes = evaluate(plain.code);
    expect(shapes.length).toBeGreaterThan(1_000);
    expect(evaluate(inlined.code)).toEqual(shapes);
    expect(inlined.code === plain.code).toBe(false);
  });

  it('keeps the shapes of the commands a function uses, not every operation of the client', async () => {
    // Prepare: what functions/signed-url bundles of S3
    const source = `
      import { GetObjectCommand, ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
      export const client = new S3Client({});
      export const commands = [GetObjectCommand, ListObjectsCommand];
    `;

    // Act
    const [plain, inlined] = await Promise.all([bundle(source, { plugins: [] }), bundle(source, { plugins: [sdkSchemas] })]);

    // Assess: the listing's shape is there, an unused operation's is not, and the schemas are a fraction of before
    const has = (code: string, text: string) => code.includes(text); // not toContain: it prints the whole bundle
    expect(has(inlined.code, '"ListObjectsRequest"')).toBe(true);
    expect(has(plain.code, '"PutBucketAnalyticsConfigurationRequest"')).toBe(true);
    expect(has(inlined.code, '"PutBucketAnalyticsConfigurationRequest"')).toBe(false);
    const schemas = 'client-s3/dist-es/schemas/';
    expect(bytesFrom(inlined.inputs, schemas)).toBeLessThan(bytesFrom(plain.inputs, schemas) / 4);
  });
});

describe('lazy-event-streams', () => {
  it('leaves the protocols’ dynamic import of event streams to Node, so a DynamoDB bundle carries none', async () => {
    const source = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; export const client = new DynamoDBClient({});`;

    const [plain, lazy] = await Promise.all([bundle(source, { plugins: [] }), bundle(source, { plugins: [lazyEventStreams] })]);

    expect(bytesFrom(plain.inputs, 'submodules/event-streams/')).toBeGreaterThan(0);
    expect(bytesFrom(lazy.inputs, 'submodules/event-streams/')).toBe(0);
    expect(lazy.code.match(/\bimport\("@smithy\/core\/event-streams"\)/g)).toHaveLength(1); // not the code itself
  });

  it('still bundles what a client imports at start (S3 configures its event-stream serde)', async () => {
    const source = `import { S3Client } from '@aws-sdk/client-s3'; export const client = new S3Client({});`;

    const lazy = await bundle(source, { plugins: [lazyEventStreams] });

    expect(bytesFrom(lazy.inputs, 'submodules/event-streams/')).toBeGreaterThan(0);
  });
});
