/**
 * The files an app must serve for the library to run offline and without a
 * CDN: the engines' wasm binaries (taken from the installed onnxruntime-web
 * and @tensorflow/tfjs-backend-wasm, so they always match the JS that loads
 * them) and the default model(s) shipped in this package. One list, used by
 * the Vite plugin (dev + build) and the copy-assets CLI, laid out as the
 * library's defaults expect: `<assetBase>wasm/ort/`, `wasm/tfjs/`, `models/<id>/`.
 * Node only.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type AssetEngine = 'ort' | 'tfjs';

export interface AssetOptions {
  /**
   * Engines the app uses; only their wasm and default models are served.
   * @defaultValue ['ort', 'tfjs']
   * @example inpageClassifier({ engines: ['ort'] }) // an app importing inpage-classifier/onnx
   */
  engines?: readonly AssetEngine[];
  /**
   * Model folders (ids under this package's `public/models/`) to serve instead of the defaults.
   * @defaultValue each engine's default model: 'nsfw-mobilenet-v2' (tfjs), 'nsfw-mobilenet-v2-onnx' (ort)
   * @example inpageClassifier({ engines: ['tfjs'], models: ['nsfw-mobilenet-v2'] })
   */
  models?: readonly string[];
}

export interface AssetFile {
  /** Path below the asset base, e.g. `wasm/ort/ort-wasm-simd-threaded.wasm`. */
  path: string;
  /** Absolute file on disk. */
  source: string;
}

const DEFAULT_MODEL: Record<AssetEngine, string> = { tfjs: 'nsfw-mobilenet-v2', ort: 'nsfw-mobilenet-v2-onnx' };

/**
 * onnxruntime-web: the plain and the asyncify (WebGPU) builds, each a glue
 * module plus its binary; the jsep/jspi variants are never loaded by the
 * bundles the library imports, so they are left out (40 MB less).
 */
const ORT_FILES = /^ort-wasm-simd-threaded(\.asyncify)?\.(wasm|mjs)$/;
/** tfjs: the SIMD build and the plain fallback; the library never runs its threaded build. */
const TFJS_FILES = /^tfjs-backend-wasm(-simd)?\.wasm$/;

/** This package's root: two folders above this file, in src/node/ and dist/node/ alike. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folder of an installed package, found the way Node resolves it from here. */
export function packageDir(name: string): string {
  const require = createRequire(join(PACKAGE_ROOT, 'package.json'));
  for (const base of require.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`inpage-classifier: ${name} is not installed; it is a dependency of inpage-classifier, so reinstall (npm install)`);
}

function filesIn(dir: string, pattern: RegExp, prefix: string): AssetFile[] {
  return readdirSync(dir)
    .filter((name) => pattern.test(name) && statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => ({ path: `${prefix}${name}`, source: join(dir, name) }));
}

/** Every file to serve, with its path below the asset base. Throws naming what is missing. */
export function listAssets(options: AssetOptions = {}): AssetFile[] {
  const engines = options.engines ?? ['ort', 'tfjs'];
  for (const e of engines) if (e !== 'ort' && e !== 'tfjs') throw new TypeError(`inpage-classifier assets: unknown engine "${String(e)}"; use 'ort' or 'tfjs'`);
  const models = options.models ?? engines.map((e) => DEFAULT_MODEL[e]);
  const files: AssetFile[] = [];
  if (engines.includes('ort')) files.push(...filesIn(join(packageDir('onnxruntime-web'), 'dist'), ORT_FILES, 'wasm/ort/'));
  if (engines.includes('tfjs')) files.push(...filesIn(join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist'), TFJS_FILES, 'wasm/tfjs/'));
  for (const id of models) {
    const dir = join(PACKAGE_ROOT, 'public', 'models', id);
    if (!/^[\w.-]+$/.test(id) || !existsSync(join(dir, 'manifest.json'))) {
      const have = existsSync(join(PACKAGE_ROOT, 'public', 'models')) ? readdirSync(join(PACKAGE_ROOT, 'public', 'models')).join(', ') : 'none';
      throw new Error(`inpage-classifier assets: no model "${id}" in this package (have: ${have})`);
    }
    files.push(...filesIn(dir, /./, `models/${id}/`));
  }
  return files;
}

const CONTENT_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Content-Type for an asset path (wasm must be application/wasm for streaming compilation). */
export function contentType(path: string): string {
  const dot = path.lastIndexOf('.');
  return CONTENT_TYPES[dot >= 0 ? path.slice(dot) : ''] ?? 'application/octet-stream';
}
