/**
 * `inpage-classifier/next`: wraps a Next.js config so both of its bundlers
 * pick onnxruntime-web's builds that load their wasm from `wasm.paths` only.
 * Without it, Turbopack and webpack each emit a never-fetched copy of every
 * ORT binary (41 MB) into `.next/`, because onnxruntime-web's default builds
 * reference them with `new URL(…, import.meta.url)`. Next serves static files
 * from `public/`, so the library's own files go there with
 * `npx inpage-classifier copy-assets public` (e.g. in `predev`/`prebuild`).
 *
 * @example
 * ```js
 * // next.config.mjs
 * import { withInpageClassifier } from 'inpage-classifier/next';
 *
 * export default withInpageClassifier({ reactStrictMode: true });
 * ```
 * @packageDocumentation
 */
import { join, relative, sep } from 'node:path';
import { packageDir } from './assets.js';
import { InpageClassifierPlugin } from './webpack.js';

/** The webpack config as Next hands it to `next.config`'s `webpack` function (only what is used here). */
export interface NextWebpackConfigLike {
  plugins?: unknown[];
  [key: string]: unknown;
}

/** The parts of a Next.js config this wrapper reads and extends (typed structurally: Next is the app's dependency). */
export interface NextConfigLike {
  webpack?: ((config: NextWebpackConfigLike, context: never) => NextWebpackConfigLike) | null;
  turbopack?: { resolveAlias?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface WithInpageClassifierOptions {
  /**
   * The app's folder (where `node_modules/` is): Turbopack aliases must be
   * paths inside it. @defaultValue process.cwd(), where `next` runs
   */
  projectDir?: string;
}

/** The ORT entry points the library imports that have an extern-wasm build, and that build's file. */
const ORT_EXTERN_BUILDS: Record<string, string> = {
  'onnxruntime-web/wasm': 'ort.wasm.min.mjs',
  'onnxruntime-web/webgpu': 'ort.webgpu.min.mjs',
};

/**
 * Turbopack has no setting for export conditions, so each entry point is
 * aliased to its extern-wasm file, as a `./`-relative path into the app's
 * node_modules (Turbopack compiles nothing outside the project root).
 */
function turbopackAliases(projectDir: string): Record<string, string> {
  const dist = join(packageDir('onnxruntime-web'), 'dist');
  const aliases: Record<string, string> = {};
  for (const [specifier, file] of Object.entries(ORT_EXTERN_BUILDS)) {
    const path = relative(projectDir, join(dist, file)).split(sep).join('/');
    aliases[specifier] = path.startsWith('.') ? path : `./${path}`;
  }
  return aliases;
}

/** Returns `nextConfig` with the resolve settings for Turbopack and webpack added; everything else is kept. */
export function withInpageClassifier<T extends NextConfigLike>(nextConfig: T = {} as T, options: WithInpageClassifierOptions = {}): T {
  const appWebpack = nextConfig.webpack;
  return {
    ...nextConfig,
    turbopack: {
      ...nextConfig.turbopack,
      resolveAlias: { ...turbopackAliases(options.projectDir ?? process.cwd()), ...nextConfig.turbopack?.resolveAlias },
    },
    webpack(config: NextWebpackConfigLike, context: never) {
      const out = appWebpack ? appWebpack(config, context) : config;
      // Client and server compilations alike: the server bundle of a client component would carry the copies too.
      out.plugins = [...(out.plugins ?? []), new InpageClassifierPlugin({ emitAssets: false })];
      return out;
    },
  };
}
