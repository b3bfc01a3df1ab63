/**
 * Runs IN THE PAGE (imported by the bench through Vite's dev server): the raw
 * engines on the library's own model files, no library code on the timed path.
 * A plain `model.predict` (tfjs) and a plain `InferenceSession.run`
 * (onnxruntime-web), fed the same preprocessed tensors the library makes, so
 * `classifyTensor / raw` is the library's overhead.
 *
 * These imports resolve to the same module instances the library loads, so the
 * page has one tfjs (one active backend: every timed call is preceded by an
 * untimed `useTfBackend`) and one onnxruntime-web per bundle (its wasm thread
 * count is fixed when the first session starts: one thread count per page).
 */
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-web';
import { pinSymbolicDims } from '../../src/engines/onnx-pin-dims.js';
import type { LocalBackendName } from '../../src/types.js';

/** Makes `backend` tfjs's active backend (imports and initialises it the first time). */
export async function useTfBackend(backend: LocalBackendName): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The library's settings (single-threaded SIMD build); only settable before initialisation.
    if (!tf.engine().registry.wasm) {
      wasm.setWasmPaths(new URL('/wasm/tfjs/', location.href).href);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  } else if (backend === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: no ${backend} backend`);
  await tf.ready();
}

export interface RawModel {
  backend: LocalBackendName;
  /** One inference on a model-ready float32 tensor; resolves with the scores read back to the CPU. */
  run(input: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** Plain tfjs: `tf.loadLayersModel(url)` while `backend` is active (weights live there), then `model.predict`. */
export async function loadRawTfjs(modelJsonUrl: string, backend: LocalBackendName, size: [number, number]): Promise<RawModel> {
  await useTfBackend(backend);
  const model = await tf.loadLayersModel(modelJsonUrl);
  const shape: [number, number, number, number] = [1, size[0], size[1], 3];
  const run = async (input: Float32Array) => {
    await useTfBackend(backend);
    const out = tf.tidy(() => model.predict(tf.tensor(input, shape, 'float32')) as tf.Tensor);
    try {
      return (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
  };
  await run(new Float32Array(shape.reduce((a, b) => a * b, 1))); // warm-up, as the library does
  return { backend, run, dispose: async () => { await useTfBackend(backend); model.dispose(); } };
}

const ortBundles: Record<LocalBackendName, () => Promise<typeof Ort>> = {
  wasm: () => import('onnxruntime-web/wasm'),
  webgpu: () => import('onnxruntime-web/webgpu'),
  webgl: () => import('onnxruntime-web/webgl'),
};

/**
 * Plain onnxruntime-web: `InferenceSession.create(bytes)` on one execution provider, then
 * `session.run` + `getData`. WebGL needs the batch dimension pinned in the model (its EP
 * rejects symbolic dims); that is a load-time step, off the timed path.
 */
export async function loadRawOrt(modelUrl: string, backend: LocalBackendName, threads: number, shape: number[]): Promise<RawModel & { threads: number }> {
  const ort = await ortBundles[backend]();
  // Absolute, as the library resolves it: Vite's dev server refuses root-relative imports of public/ files.
  ort.env.wasm.wasmPaths = new URL('/wasm/ort/', location.href).href;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  let bytes: Uint8Array = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
  if (backend === 'webgl') bytes = await pinSymbolicDims(bytes, shape);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [backend], graphOptimizationLevel: 'all' });
  const inputName = session.inputNames[0]!;
  const run = async (input: Float32Array) => {
    const tensor = new ort.Tensor('float32', input, shape);
    const results = await session.run({ [inputName]: tensor });
    try {
      return (await results[session.outputNames[0]!]!.getData()) as Float32Array;
    } finally {
      for (const t of Object.values(results)) t.dispose();
      tensor.dispose();
    }
  };
  await run(new Float32Array(shape.reduce((a, b) => a * b, 1)));
  return { backend, threads: ort.env.wasm.numThreads ?? threads, run, dispose: () => session.release() };
}
