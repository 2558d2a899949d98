// A framework plugin (serverless.yml `plugins`) for `sls invoke local`, which runs a function's bundle inside the
// framework's own Node process. Two things differ from Lambda there, and this plugin puts them right:
//
// 1. Lambda starts the function's Node with the NODE_OPTIONS of its environment ("Defined runtime environment
//    variables" in the Lambda Developer Guide's "Working with Lambda environment variables"); ours has
//    --enable-source-maps, so its stack traces name the TypeScript sources. `invoke local` only copies NODE_OPTIONS
//    into process.env of a Node that is already running, where the flag does nothing. Node's own switch,
//    process.setSourceMapsEnabled(), has the same effect for every module loaded after it, and the handler is loaded
//    after this hook.
// 2. serverless-esbuild installs the external modules (sharp) with npm into its build folder on every call, for the
//    zip of a deployment; that is most of the 7–22 s a call took. Here the bundle runs in this project's folder, where
//    Node finds those modules in node_modules, so `invoke local` skips that step. Packaging is not affected.
'use strict';

const ESBUILD_PLUGIN = 'EsbuildServerlessPlugin';

class InvokeLocalAsLambda {
  constructor(serverless, _options, { log }) {
    this.serverless = serverless;
    this.log = log;
    this.hooks = {
      // Runs before serverless-esbuild's own hook for the same event (plugins run in the order serverless.yml lists
      // them), after the framework has put the function's environment into process.env (`invoke:local:loadEnvVars`).
      'before:invoke:local:invoke': () => {
        this.enableSourceMaps();
        this.skipPackingExternals();
      },
    };
  }

  enableSourceMaps() {
    const flags = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
    if (flags.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
  }

  skipPackingExternals() {
    const esbuild = this.serverless.pluginManager.plugins.find((plugin) => plugin.constructor.name === ESBUILD_PLUGIN);
    if (esbuild === undefined || typeof esbuild.packExternalModules !== 'function') {
      this.log.warning(`${ESBUILD_PLUGIN} not found: invoke local packs external modules as for a deployment`);
      return;
    }
    esbuild.packExternalModules = async () => undefined;
  }
}

module.exports = InvokeLocalAsLambda;
