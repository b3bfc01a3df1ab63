/**
 * `inpage-classifier/webpack`: the webpack 5 counterpart of the Vite plugin.
 * It emits the library's wasm binaries and default model(s) into the build
 * at the paths the library fetches by default (`wasm/ort/`, `wasm/tfjs/`,
 * `models/<id>/` below `output.path`), so `webpack-dev-server` serves them
 * from memory and a production build (also with `output.clean`) contains
 * them. It also makes onnxruntime-web resolve to its builds that load their
 * wasm from `wasm.paths` only: its default builds reference each binary with
 * `new URL(…, import.meta.url)`, which makes webpack emit a second, never
 * fetched copy of every ORT binary (41 MB).
 *
 * @example
 * ```js
 * // webpack.config.js
 * import { InpageClassifierPlugin } from 'inpage-classifier/webpack';
 *
 * export default {
 *   plugins: [new InpageClassifierPlugin()],
 * };
 * ```
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { type AssetOptions, listAssets } from './assets.js';

export type { AssetEngine, AssetOptions } from './assets.js';

/**
 * The export condition of onnxruntime-web's builds that take their wasm
 * (glue module and binary) from `env.wasm.wasmPaths` only, never from a
 * bundler-emitted copy. The library always sets `wasmPaths`.
 */
export const ORT_EXTERN_WASM_CONDITION = 'onnxruntime-web-use-extern-wasm';

export interface InpageClassifierWebpackOptions extends AssetOptions {
  /**
   * Emit the assets into the build. `false` only sets the resolve condition:
   * for setups whose static files come from elsewhere (Next.js serves
   * `public/`, filled by `npx inpage-classifier copy-assets public`).
   * @defaultValue true
   */
  emitAssets?: boolean;
}

/** webpack's `performance.assetFilter`: which emitted assets its size hints consider. */
export type AssetFilter = (name: string, source: unknown, info: unknown) => boolean;

/**
 * The few parts of webpack 5's Compiler this plugin uses, typed structurally
 * so the package needs no webpack types (webpack is the app's dependency).
 */
export interface WebpackCompilerLike {
  options: {
    resolve: { conditionNames?: string[] };
    performance?: false | { assetFilter?: AssetFilter };
  };
  webpack: {
    sources: { RawSource: new (source: Buffer) => object };
    Compilation: { PROCESS_ASSETS_STAGE_ADDITIONAL: number };
  };
  hooks: {
    afterEnvironment: { tap(name: string, fn: () => void): void };
    thisCompilation: {
      tap(name: string, fn: (compilation: {
        hooks: { processAssets: { tap(options: { name: string; stage: number }, fn: () => void): void } };
        emitAsset(file: string, source: object, info?: Record<string, unknown>): void;
        getAsset(file: string): unknown;
      }) => void): void;
    };
  };
}

const NAME = 'InpageClassifierPlugin';

/** webpack's own default for `resolve.conditionNames` of a web build, used when the config sets none. */
const WEBPACK_WEB_CONDITIONS = ['webpack', 'production', 'browser'];

/** The webpack plugin; see the module docs. */
export class InpageClassifierPlugin {
  readonly #options: InpageClassifierWebpackOptions;

  constructor(options: InpageClassifierWebpackOptions = {}) {
    this.#options = options;
    // Checked now (unknown engine or model: a clear error at config load), not at emit time.
    if (options.emitAssets !== false) listAssets(options);
  }

  apply(compiler: WebpackCompilerLike): void {
    const emit = this.#options.emitAssets !== false;
    const files = emit ? listAssets(this.#options) : [];
    const ours = new Set(files.map((f) => f.path));
    // After webpack applied its defaults (plugins are applied before them), before resolvers exist.
    compiler.hooks.afterEnvironment.tap(NAME, () => {
      const { resolve, performance } = compiler.options;
      const conditions = resolve.conditionNames ?? WEBPACK_WEB_CONDITIONS;
      if (!conditions.includes(ORT_EXTERN_WASM_CONDITION)) resolve.conditionNames = [ORT_EXTERN_WASM_CONDITION, ...conditions];
      // The binaries and model weights are fetched on demand, never part of a page's initial load:
      // keep them out of webpack's "asset size limit" hints (the app's own filter still applies to the rest).
      if (performance && ours.size > 0) {
        const appFilter: AssetFilter = performance.assetFilter ?? ((name) => !name.endsWith('.map'));
        performance.assetFilter = (name, source, info) => !ours.has(name) && appFilter(name, source, info);
      }
    });
    if (!emit) return;
    compiler.hooks.thisCompilation.tap(NAME, (compilation) => {
      compilation.hooks.processAssets.tap({ name: NAME, stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        for (const file of files) {
          if (compilation.getAsset(file.path)) continue; // the app emits its own copy (e.g. copy-webpack-plugin)
          compilation.emitAsset(file.path, new compiler.webpack.sources.RawSource(readFileSync(file.source)), { sourceFilename: file.source });
        }
      });
    });
  }
}
