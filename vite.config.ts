import { existsSync, statSync, createReadStream } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * COOP/COEP make the page cross-origin isolated, which WASM threads need
 * (SharedArrayBuffer). Applied to the dev server and `vite preview`.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const sharedData = resolve(import.meta.dirname, '..', 'shared', 'data');
/**
 * Dev-only folders: the shared test data, and the third-party models that
 * come from registry packages (devDependencies) for e2e tests.
 */
const SERVED_FOLDERS: Record<string, string> = {
  '/shared-data': sharedData,
  '/registry-models/ocr-models': resolve(import.meta.dirname, 'node_modules', '@gutenye', 'ocr-models', 'assets'),
  '/registry-models/human': resolve(import.meta.dirname, 'node_modules', '@vladmandic', 'human', 'models'),
};
const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.txt': 'text/plain', '.onnx': 'application/octet-stream' };

/**
 * Dev-only: serves ../shared/data (test photos and models, present on dev and
 * CI machines, never copied into the repo) under /shared-data/ for e2e tests
 * and the demo's sample images, and the registry-package models under /registry-models/.
 */
function sharedDataPlugin(): Plugin {
  return {
    name: 'inpage-shared-data',
    apply: 'serve',
    configureServer(server) {
      for (const [prefix, dir] of Object.entries(SERVED_FOLDERS)) {
        server.middlewares.use(prefix, (req, res, next) => {
          const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
          const file = join(dir, path);
          if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
          res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
          res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
          createReadStream(file).pipe(res);
        });
      }
    },
  };
}

/**
 * The demo as an installable PWA (`npm run build`): web app manifest, icons and
 * a Workbox service worker that precaches the app shell, the default model and
 * the wasm binaries it needs, so after one online visit the page reloads and
 * classifies with the network off. Other models and the WebGPU wasm build are
 * cached the first time they are used.
 */
function demoPwa(): Plugin[] {
  return VitePWA({
    registerType: 'autoUpdate',
    injectRegister: 'script-defer',
    manifest: {
      name: 'inpage-classifier demo',
      short_name: 'Classify',
      description: 'Classify images on your device, offline. Nothing is uploaded.',
      start_url: './',
      scope: './',
      display: 'standalone',
      background_color: '#fafafa',
      theme_color: '#1e3a8a',
      icons: [
        { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      ],
    },
    workbox: {
      globPatterns: [
        '*.{html,js,css,webmanifest}', 'assets/*.{js,css}', 'icons/*',
        'models/nsfw-mobilenet-v2/*',
        'wasm/tfjs/tfjs-backend-wasm{,-simd}.wasm',
        'wasm/ort/ort-wasm-simd-threaded.{mjs,wasm}',
      ],
      // ORT's plain wasm is 14 MB; Workbox's default limit is 2 MiB.
      maximumFileSizeToCacheInBytes: 32 * 1024 * 1024,
      clientsClaim: true,
      skipWaiting: true,
      runtimeCaching: [
        { urlPattern: ({ url }) => /\/(models|wasm)\//.test(url.pathname), handler: 'CacheFirst', options: { cacheName: 'inpage-classifier-demo-assets' } },
      ],
    },
  });
}

export default defineConfig(({ command }) => ({
  root: 'demo',
  publicDir: '../public',
  plugins: [sharedDataPlugin(), demoPwa()],
  // In the build, onnxruntime-web's extern-wasm builds (as the inpage-classifier/vite
  // plugin does for apps): the default ones make Vite emit a second, unused copy of
  // each ORT binary. Dev keeps the default builds the e2e tests were written against.
  ...(command === 'build' ? { resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] } } : {}),
  server: {
    port: Number(process.env.PORT ?? 5173),
    strictPort: Boolean(process.env.PORT),
    headers: isolationHeaders,
    fs: { allow: ['..'] },
  },
  preview: { port: Number(process.env.PORT ?? 4173), strictPort: Boolean(process.env.PORT), headers: isolationHeaders },
  // onnxruntime-web loads its wasm from wasmPaths at run time; pre-bundling it
  // would only rewrite its import.meta.url lookups.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  // createClassifier({ worker: true }): the worker loads its engine with a dynamic import (ES-module workers only).
  worker: { format: 'es' },
  build: { outDir: '../dist-demo', emptyOutDir: true, target: 'es2022' },
}));
