/**
 * The blog's front end: a multi-page site (every page is a real HTML file, so CloudFront serves deep links from the
 * bucket as they are, with no rewrite rules). Runtime settings are not built in: each page reads /config.json, which
 * `npm run publish:site` writes from the stack it publishes to.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = import.meta.dirname;

/** Every HTML page under web/ (not the partials, the build output or public/): each is an entry of the build. */
function pages(dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['dist', 'partials', 'public', 'src'].includes(entry.name) ? [] : pages(file);
    return entry.name.endsWith('.html') ? [file] : [];
  });
}

/** `<!-- include: header -->` → web/partials/header.html: one copy of the header and footer for every page. */
function partials(): Plugin {
  return {
    name: 'blog-partials',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) =>
        html.replace(/^([ \t]*)<!-- include: ([a-z-]+) -->/gm, (_, indent: string, name: string) =>
          readFileSync(path.join(root, 'partials', `${name}.html`), 'utf8')
            .trimEnd()
            .split('\n')
            .map((line) => (line === '' ? line : indent + line))
            .join('\n'),
        ),
    },
  };
}

export default defineConfig({
  root,
  // Pages are served from the bucket's root, and 404.html at whatever address was missing: root-absolute URLs only.
  base: '/',
  plugins: [partials()],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    // The CSP allows scripts from this origin only; Vite's module preload polyfill is not inlined by default.
    target: 'es2022',
    rollupOptions: { input: pages() },
  },
  server: { host: '127.0.0.1' },
});
