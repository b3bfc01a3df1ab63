/**
 * `inpage-classifier/vite`: serves the library's wasm binaries and default
 * model in `vite` dev and `vite preview`, and emits them into the build, at
 * the paths the library looks for by default (below Vite's `base`). Optionally
 * sends COOP/COEP so WASM threads work.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { inpageClassifier } from 'inpage-classifier/vite';
 *
 * export default defineConfig({ plugins: [inpageClassifier({ crossOriginIsolation: true })] });
 * ```
 * @packageDocumentation
 */
import { createReadStream, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultClientConditions, type Plugin } from 'vite';
import { type AssetFile, type AssetOptions, contentType, listAssets } from './assets.js';

export type { AssetEngine, AssetOptions } from './assets.js';

export interface InpageClassifierPluginOptions extends AssetOptions {
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp` from `vite` dev and
   * `vite preview`, so the page is cross-origin isolated and WASM runs with
   * threads. Off by default because it changes how the whole app may embed
   * cross-origin content; production hosts need the same two headers.
   * @defaultValue false
   * @example inpageClassifier({ crossOriginIsolation: true })
   */
  crossOriginIsolation?: boolean;
}

/** The two headers that make a page cross-origin isolated (needed for WASM threads). */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

type Next = (error?: unknown) => void;

type Headers = Record<string, string | number | readonly string[]> | undefined;

/**
 * Serves the asset files with the server's configured headers too: the ORT
 * glue module also starts WASM threads as a worker, and under COEP a worker
 * script without COEP of its own is blocked (net::ERR_BLOCKED_BY_RESPONSE).
 */
function middleware(getBase: () => string, files: Map<string, AssetFile>, getHeaders: () => Headers) {
  return (req: IncomingMessage, res: ServerResponse, next: Next) => {
    const base = getBase();
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    if (!path.startsWith(base)) return next();
    const file = files.get(path.slice(base.length));
    if (!file) return next();
    for (const [name, value] of Object.entries(getHeaders() ?? {})) res.setHeader(name, value);
    res.setHeader('Content-Type', contentType(file.path));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-cache');
    createReadStream(file.source).on('error', next).pipe(res);
  };
}

/** The Vite plugin; see the module docs. */
export function inpageClassifier(options: InpageClassifierPluginOptions = {}): Plugin {
  const files = new Map(listAssets(options).map((f) => [f.path, f]));
  let base = '/';
  let serverHeaders: Headers;
  let previewHeaders: Headers;
  const headers = options.crossOriginIsolation ? { ...CROSS_ORIGIN_ISOLATION_HEADERS } : undefined;
  return {
    name: 'inpage-classifier',
    config: () => ({
      // onnxruntime-web's default ESM builds embed `new URL('ort-wasm-….wasm', import.meta.url)`,
      // which makes Vite emit a second copy of each binary (41 MB) that is never
      // fetched because the library sets wasmPaths. This export condition picks
      // its builds that load the glue and binary from wasmPaths only.
      resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
      // Pre-bundling would rewrite ORT's runtime import of its glue module.
      optimizeDeps: { exclude: ['onnxruntime-web'] },
      // createClassifier({ worker: true }): the worker script loads its engine with a
      // dynamic import, and only ES-module workers can be code-split (Vite's default is 'iife').
      worker: { format: 'es' },
      ...(headers ? { server: { headers }, preview: { headers } } : {}),
    }),
    configResolved(config) {
      base = config.base.startsWith('/') ? config.base : '/';
      serverHeaders = config.server.headers as Headers;
      previewHeaders = config.preview.headers as Headers;
    },
    configureServer(server) {
      server.middlewares.use(middleware(() => base, files, () => serverHeaders));
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware(() => base, files, () => previewHeaders));
    },
    generateBundle() {
      for (const file of files.values()) {
        this.emitFile({ type: 'asset', fileName: file.path, source: readFileSync(file.source) });
      }
    },
  };
}
