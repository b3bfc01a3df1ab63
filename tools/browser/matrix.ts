/**
 * The engine x backend matrix the e2e tests and the tools run, built from
 * the library's own names (src/types.ts, ALL_BACKENDS in src/options.ts)
 * rather than restated, so a new backend or engine reaches every harness.
 * Runs in Node and in the page (tools/bench/page.ts imports it).
 */
import { ALL_BACKENDS } from '../../src/options.js';
import type { BackendName, EngineName, LocalBackendName, LocalEngineName } from '../../src/types.js';

export type { BackendName, EngineName };

/**
 * Every backend, WASM first (ALL_BACKENDS in reverse, the library's
 * preference being GPU first): the order the tests, parity and the bench run
 * and report them; on a GPU-less machine the cheap one first.
 */
export const BACKENDS: readonly LocalBackendName[] = [...ALL_BACKENDS].reverse();

/** The GPU backends, WebGL first (emulated by SwiftShader on a GPU-less machine: seconds per MobileNet call). */
export const GPU_BACKENDS: readonly LocalBackendName[] = BACKENDS.filter((b) => b !== 'wasm');

/** Both engines, tfjs first. */
export const ENGINES: readonly LocalEngineName[] = ['tfjs', 'ort'];

/** The default model in each engine's format (the tfjs original and its ONNX twin), as the demo's server serves it. */
export const DEFAULT_MODELS: Readonly<Record<LocalEngineName, string>> = {
  tfjs: '/models/nsfw-mobilenet-v2/manifest.json',
  ort: '/models/nsfw-mobilenet-v2-onnx/manifest.json',
};
