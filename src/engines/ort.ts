/**
 * onnxruntime-web engine. One execution provider per session attempt (given a
 * list, ORT initialises all of them and silently keeps the first that starts),
 * and only the per-EP bundle the backend needs is imported.
 */
import type * as Ort from 'onnxruntime-web';
import { tensorShape } from '../preprocess/tensor.js';
import type { LocalBackendName } from '../types.js';
import { type Engine, type EngineContext, ModelMismatchError } from './engine.js';
import { withWasmDiagnosis } from './asset-check.js';
import { NEVER, watchGPUDevice, watchWebGLContext } from './loss.js';
import { pinSymbolicDims } from './onnx-pin-dims.js';
import { checkInputShape } from './input-shape.js';

type OrtModule = typeof Ort;

const bundles: Record<LocalBackendName, () => Promise<OrtModule>> = {
  wasm: () => import('onnxruntime-web/wasm'),
  webgpu: () => import('onnxruntime-web/webgpu'),
  webgl: () => import('onnxruntime-web/webgl'),
};

/** The wasm binary each bundle fetches from wasmPaths (WebGL runs in JS only). */
const WASM_FILE: Partial<Record<LocalBackendName, string>> = {
  wasm: 'ort-wasm-simd-threaded.wasm',
  webgpu: 'ort-wasm-simd-threaded.asyncify.wasm',
};

/**
 * onnxruntime-web reads `env.wasm` (threads, wasm location) once per bundle,
 * when its first session starts; later writes change nothing. So the first
 * classifier on a bundle configures it and the values are kept here; a later
 * classifier asking for others gets a note saying what it runs with instead.
 * Nothing else in `ort.env` is touched (an app's own logLevel, proxy… stay):
 * our sessions ask for quiet logs through their own session options.
 */
const configured = new WeakMap<OrtModule['env'], { threads: number; wasmPaths: string }>();

/** Configures the bundle on first use; what is in effect for this engine, with a note where it differs from the request. */
function configure(ort: OrtModule, ctx: EngineContext): { threads: number; note?: string } {
  let first = configured.get(ort.env);
  if (!first) {
    ort.env.wasm.wasmPaths = ctx.wasmPaths.ort;
    ort.env.wasm.numThreads = ctx.wasmThreads;
    first = { threads: ctx.wasmThreads, wasmPaths: ctx.wasmPaths.ort };
    configured.set(ort.env, first);
    return { threads: first.threads };
  }
  const differs = [
    first.threads !== ctx.wasmThreads ? `${first.threads} thread${first.threads > 1 ? 's' : ''} (wasm.threads ${ctx.wasmThreads} asked for)` : '',
    first.wasmPaths !== ctx.wasmPaths.ort ? `wasm files from ${first.wasmPaths} (wasm.paths.ort ${ctx.wasmPaths.ort} asked for)` : '',
  ].filter(Boolean);
  return { threads: first.threads, ...(differs.length ? { note: `onnxruntime-web reads its wasm settings once per page, and an earlier classifier set them: runs with ${differs.join(' and ')}` } : {}) };
}

type InputMeta = { name: string; isTensor: boolean; shape?: readonly (number | string)[] };

function inputMeta(session: Ort.InferenceSession, inputName: string): InputMeta | undefined {
  try {
    return (session as { inputMetadata?: readonly InputMeta[] }).inputMetadata?.find((m) => m.name === inputName);
  } catch {
    return undefined; // the WebGL EP cannot report metadata; the warm-up run checks the shape instead
  }
}

/** Images per run the model accepts: any number for a symbolic (or -1) batch dimension, else one. */
function batchLimit(input: InputMeta | undefined): number {
  const first = input?.shape?.[0];
  if (typeof first === 'string' || (typeof first === 'number' && first < 0)) return Number.POSITIVE_INFINITY;
  return 1;
}

export async function createOrtEngine(ctx: EngineContext): Promise<Engine> {
  const ort = await bundles[ctx.backend]();
  const settings = configure(ort, ctx);
  const { manifest } = ctx.model;
  let bytes = ctx.model.files.get(manifest.files.model)!;
  // ORT's WebGL EP rejects symbolic dims ("expected shape '[,3,224,224]'"), and
  // freeDimensionOverrides does not reach it: pin them in the model bytes.
  if (ctx.backend === 'webgl') bytes = await pinSymbolicDims(bytes, tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels));
  const wasmFile = WASM_FILE[ctx.backend];
  const session = await withWasmDiagnosis(wasmFile ? [ctx.wasmPaths.ort + wasmFile] : [], 'options.wasm.paths.ort', () =>
    ort.InferenceSession.create(bytes, { executionProviders: [ctx.backend], graphOptimizationLevel: 'all', logSeverityLevel: 3 }),
  );
  const inputName = manifest.input.name ?? session.inputNames[0]!;
  const outputName = manifest.output.name ?? session.outputNames[0]!;
  const shape = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  const meta = inputMeta(session, inputName);
  try {
    if (!session.inputNames.includes(inputName)) throw new ModelMismatchError(`model has no input "${inputName}" (inputs: ${session.inputNames.join(', ')})`);
    if (!session.outputNames.includes(outputName)) throw new ModelMismatchError(`model has no output "${outputName}" (outputs: ${session.outputNames.join(', ')})`);
    if (meta?.isTensor) checkInputShape(meta.shape, shape, manifest.input.layout, inputName);
  } catch (error) {
    await session.release();
    throw error;
  }

  // The GPU objects behind the session: watched so a loss moves the classifier to another backend.
  const lost =
    // env.webgpu.device is typed as a Promise but is the device itself in 1.30: accept both.
    ctx.backend === 'webgpu' ? Promise.resolve(ort.env.webgpu.device as unknown).then((d) => watchGPUDevice(d as Parameters<typeof watchGPUDevice>[0]), () => NEVER)
    : ctx.backend === 'webgl' ? watchWebGLContext(ort.env.webgl.context)
    : undefined;
  const gl = ctx.backend === 'webgl' ? ort.env.webgl.context : undefined;
  let released = false;
  // WebGL runs the copy whose symbolic dims were pinned to 1, above.
  const maxBatch = ctx.backend === 'webgl' ? 1 : batchLimit(meta);
  // What runs: ORT lowers numThreads to 1 at its first session where threads cannot work (no cross-origin isolation).
  const threads = Math.min(settings.threads, ort.env.wasm.numThreads ?? settings.threads);
  return {
    engine: 'ort',
    backend: ctx.backend,
    maxBatch,
    ...(ctx.backend === 'webgl' ? {} : { wasm: { threads, ...(settings.note ? { note: settings.note } : {}) } }),
    ...(lost ? { lost } : {}),
    ...(gl ? { isLost: () => (gl.isContextLost() ? 'WebGL context lost' : null) } : {}),
    async run(input, batch = 1) {
      const tensor = new ort.Tensor('float32', input, [batch, ...shape.slice(1)]);
      const results = await session.run({ [inputName]: tensor });
      try {
        const out = results[outputName]!;
        return Float32Array.from((await out.getData()) as Float32Array);
      } finally {
        for (const t of Object.values(results)) t.dispose();
        tensor.dispose();
      }
    },
    async dispose() {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}
