// esbuild plugins for serverless-esbuild (serverless.yml `custom.esbuild.plugins`): every build of a function —
// `sls package`, `sls deploy`, serverless-offline, `sls invoke local` — goes through them.
//
// The SDK's schemas, seen as the data they are. Each client keeps the shapes of all its operations in one module,
// `@aws-sdk/client-<service>/dist-es/schemas/schemas_0.js`: arrays of string constants, e.g.
//   const _h = "http";  …  export var PutObject$ = [9, n0, _PO, { [_h]: ["PUT", "/{Key+}?x-id=PutObject", 200] }, …];
// esbuild drops an unused export only if building it cannot have a side effect, and it counts a computed key that
// names a variable (`[_h]`) as one: converting the key to a string could run code (esbuild "Tree shaking"; its
// constants are inlined only when printing, after that decision). So every operation's schema was kept, and with it
// every shape it refers to: 66 KB of S3's, 43 KB of SES v2's, in bundles that send two or three commands. The plugin
// writes the string in place of the constant (`["http"]`), still a computed key, so the module builds the same
// values, and esbuild keeps only the shapes of the commands a function imports (and the error shapes, which the
// module registers). test/unit/esbuild-plugins.test.ts checks both: same exports, smaller bundle.
//
// Event streams, loaded where they are used. The SDK's HTTP protocols load their event-stream support with
// `import("@smithy/core/event-streams")` when an operation streams events (S3 SelectObjectContent, Bedrock's
// streaming, …), and only then; esbuild inlines a dynamic import whole, so every SDK bundle carried it (15 KB), used
// or not. That one import is left to Node, as the credential sources are (serverless.yml `external`): locally it
// resolves from the repository's node_modules, on Lambda from the runtime's SDK — were it ever reached, which no
// function here does. A client that needs the module at start (S3 imports parts of it) still bundles those parts.
'use strict';
const fs = require('node:fs/promises');

const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
/** A module-level string constant, as the SDK's code generator writes them: `const _hH = "httpHeader";`. */
const STRING_CONSTANT = /^const (_[\w$]*) = ("(?:[^"\\\r\n]|\\.)*");$/gm;
/** A computed object key naming one of them: `{ [_hH]: "x-amz-acl" }`. */
const COMPUTED_KEY = /\[(_[\w$]*)\]:/g;

/** The module's source with each computed key that names a string constant of the module written as that string. */
function inlineSchemaKeys(source) {
  const strings = new Map([...source.matchAll(STRING_CONSTANT)].map(([, name, literal]) => [name, literal]));
  return source.replace(COMPUTED_KEY, (key, name) => (strings.has(name) ? `[${strings.get(name)}]:` : key));
}

const sdkSchemas = {
  name: 'sdk-schemas',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async ({ path }) => ({
      contents: inlineSchemaKeys(await fs.readFile(path, 'utf8')),
      loader: 'js',
    }));
  },
};

const lazyEventStreams = {
  name: 'lazy-event-streams',
  setup(build) {
    build.onResolve({ filter: /^@smithy\/core\/event-streams$/ }, ({ path, kind }) =>
      kind === 'dynamic-import' ? { path, external: true } : undefined,
    );
  },
};

module.exports = [sdkSchemas, lazyEventStreams];
module.exports.inlineSchemaKeys = inlineSchemaKeys;
