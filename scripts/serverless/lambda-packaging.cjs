// Local Serverless plugin (listed before serverless-esbuild in serverless.yml): makes `sls package` and `sls deploy`
// work as typed, on any laptop, for the stage's Lambda architecture, and keeps each command's build apart.
//
// - Native builds: sharp loads a prebuilt `@img/sharp-<os>-<cpu>` package, one of its optional dependencies; npm
//   installs only the one matching the machine it runs on, unless npm's `os`, `cpu` and `libc` settings name another
//   platform (npm docs, "config": --os, --cpu, --libc). serverless-esbuild runs `npm ci`, `npm prune` and `npm ls` in
//   its build folder; `installExtraArgs` reaches only the first, and the prune then removes the build again. Settings
//   in this process's environment (npm_config_*) reach all three. The platform is Lambda's for the stage's
//   `provider.architecture`: Linux with glibc (AWS Lambda docs, "Lambda runtimes": Amazon Linux 2023), arm64 or x64.
// - Offline: `prefer-offline` lets npm use its cache without asking the registry first, so a packaging on a machine
//   without network finishes (npm docs, "config": --prefer-offline); the first packaging for an architecture the
//   machine has never installed still downloads that sharp build once.
// - Build folders: serverless-esbuild builds every command in one work folder, `.esbuild/`, and deletes it after
//   packaging, while serverless-offline (`npm start`, the integration tests' stack) loads the handlers from it for as
//   long as it runs. So each command gets a folder of its own: packaging one per stage (`.esbuild/package/<stage>`),
//   each running local API one per port (`.esbuild/offline/<httpPort>`: two stacks cannot share a port), and
//   `sls invoke local` one per stage (`.esbuild/invoke/<stage>`).
// - Refuses a package whose native builds are not exactly Lambda's (missing, or another platform's besides).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** `provider.architecture` → npm's `cpu` (AWS Lambda docs, "Selecting and configuring an instruction set architecture"). */
const NPM_CPU = { arm64: 'arm64', x86_64: 'x64' };
const PACKAGING_COMMANDS = new Set(['package', 'deploy', 'deploy function']);

class LambdaPackaging {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      initialize: () => this.configure(),
      'after:package:createDeploymentArtifacts': () => this.checkNativeBuilds(),
      'after:deploy:function:packageFunction': () => this.checkNativeBuilds(),
    };
  }

  configure() {
    const command = (this.serverless.processedInput?.commands ?? []).join(' ');
    const { service } = this.serverless;
    const stage = this.options.stage ?? service.provider.stage;
    service.custom ??= {};
    service.custom.esbuild ??= {};
    if (command === 'offline' || command === 'offline start') {
      const port = this.options.httpPort ?? service.custom['serverless-offline']?.httpPort ?? 3000;
      service.custom.esbuild.outputWorkFolder = path.join('.esbuild', 'offline', String(port));
      return;
    }
    if (command === 'invoke local') {
      service.custom.esbuild.outputWorkFolder = path.join('.esbuild', 'invoke', stage);
      return;
    }
    if (!PACKAGING_COMMANDS.has(command)) return;
    const architecture = service.provider.architecture ?? 'x86_64';
    const cpu = NPM_CPU[architecture];
    if (!cpu) throw new this.serverless.classes.Error(`Unknown provider.architecture "${architecture}" (arm64 or x86_64)`);
    // One build folder serves every function's node_modules, so it can hold one platform only.
    for (const [name, fn] of Object.entries(service.functions ?? {})) {
      if (fn.architecture && fn.architecture !== architecture) {
        throw new this.serverless.classes.Error(
          `Function ${name} sets architecture ${fn.architecture}, the provider ${architecture}: package them separately`,
        );
      }
    }
    this.platform = `linux-${cpu}`;
    this.workFolder = path.join('.esbuild', 'package', stage);
    service.custom.esbuild.outputWorkFolder = this.workFolder;
    Object.assign(process.env, {
      npm_config_os: 'linux',
      npm_config_cpu: cpu,
      npm_config_libc: 'glibc',
      npm_config_prefer_offline: 'true',
    });
  }

  checkNativeBuilds() {
    if (!this.workFolder) return;
    const esbuild = this.serverless.service.custom.esbuild;
    const modules = path.join(
      this.serverless.serviceDir,
      this.workFolder,
      esbuild.outputBuildFolder ?? '.build',
      'node_modules',
    );
    if (!fs.existsSync(path.join(modules, 'sharp'))) return;
    const builds = fs.existsSync(path.join(modules, '@img'))
      ? fs.readdirSync(path.join(modules, '@img')).filter((name) => name.startsWith('sharp-'))
      : [];
    const wanted = [`sharp-${this.platform}`, `sharp-libvips-${this.platform}`];
    const missing = wanted.filter((name) => !builds.includes(name));
    const foreign = builds.filter((name) => !wanted.includes(name));
    if (missing.length > 0 || foreign.length > 0) {
      throw new this.serverless.classes.Error(
        `sharp for Lambda's ${this.platform}: ${missing.length > 0 ? `missing @img/${missing.join(', @img/')}` : ''}` +
          `${missing.length > 0 && foreign.length > 0 ? '; ' : ''}` +
          `${foreign.length > 0 ? `other platforms' builds @img/${foreign.join(', @img/')}` : ''}` +
          ' (npm could not install it: offline with an npm cache that lacks it?)',
      );
    }
  }
}

module.exports = LambdaPackaging;
