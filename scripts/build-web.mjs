#!/usr/bin/env node
/**
 * Builds the map page into dist/web: type-checks src/web against its own tsconfig (DOM, strict),
 * bundles src/web/main.ts with Leaflet into app.js (esbuild), and copies index.html, styles.css,
 * Leaflet's CSS and its images beside it. Nothing is fetched from a CDN: the page must run on a
 * machine without internet (ARCHITECTURE.md, embedded profile).
 *
 * Usage: node scripts/build-web.mjs [--no-check] [--dev]
 *   --no-check  skip the type check (esbuild strips types without checking them)
 *   --dev       no minification, inline source map
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const webSrc = join(root, 'src', 'web');
const outDir = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);
const leafletDist = join(dirname(require.resolve('leaflet/package.json')), 'dist');

const args = new Set(process.argv.slice(2));
for (const arg of args) {
  if (arg !== '--no-check' && arg !== '--dev') {
    console.error(`build-web: unknown option ${arg} (known: --no-check, --dev)`);
    process.exit(2);
  }
}
const dev = args.has('--dev');

// Stage 1, check: src/web is excluded from the root tsconfig (it needs DOM types, not Node's).
if (!args.has('--no-check')) {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(webSrc, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error('build-web: type errors in src/web (see above)');
    process.exit(1);
  }
}

// Stage 2, bundle: one classic script, so the page needs no module loader or import map.
await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
await build({
  entryPoints: [join(webSrc, 'main.ts')],
  outfile: join(outDir, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: !dev,
  sourcemap: dev ? 'inline' : true,
  // Leaflet's BSD-2-Clause notice travels with the bundle.
  legalComments: 'eof',
  logLevel: 'warning',
});

// Stage 3, copy: the page, its styles, and Leaflet's styles with the images they refer to.
await cp(join(webSrc, 'index.html'), join(outDir, 'index.html'));
await cp(join(webSrc, 'styles.css'), join(outDir, 'styles.css'));
await cp(join(leafletDist, 'leaflet.css'), join(outDir, 'leaflet.css'));
await cp(join(leafletDist, 'images'), join(outDir, 'images'), { recursive: true });

console.error(`build-web: wrote ${relative(root, outDir)}`);
