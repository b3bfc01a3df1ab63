import { existsSync, statSync, createReadStream } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * COOP/COEP make the page cross-origin isolated, which WASM threads need
 * (SharedArrayBuffer). Applied to the dev server and `vite preview`.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const sharedData = resolve(import.meta.dirname, '..', 'shared', 'data');
const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.txt': 'text/plain', '.onnx': 'application/octet-stream' };

/**
 * Dev-only: serves ../shared/data (test photos and models, present on dev and
 * CI machines, never copied into the repo) under /shared-data/ for e2e tests
 * and the demo's sample images.
 */
function sharedDataPlugin(): Plugin {
  return {
    name: 'inpage-shared-data',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/shared-data', (req, res, next) => {
        const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!));
        const file = join(sharedData, path);
        if (!file.startsWith(sharedData + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  root: 'demo',
  publicDir: '../public',
  plugins: [sharedDataPlugin()],
  server: {
    port: Number(process.env.PORT ?? 5173),
    strictPort: Boolean(process.env.PORT),
    headers: isolationHeaders,
    fs: { allow: ['..'] },
  },
  preview: { headers: isolationHeaders },
  // onnxruntime-web loads its wasm from wasmPaths at run time; pre-bundling it
  // would only rewrite its import.meta.url lookups.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { outDir: '../dist-demo', emptyOutDir: true, target: 'es2022' },
});
