/**
 * TensorFlow.js engine for `tfjs-layers` and `tfjs-graph` manifests. The model
 * is built from the verified bytes already downloaded (tf.io.fromMemory), so
 * tfjs itself never touches the network. tfjs has one global active backend:
 * each run switches to this engine's backend if another classifier moved it.
 */
import { concatBytes } from '../bytes.js';
import { tensorShape } from '../preprocess/tensor.js';
import type { BackendName } from '../types.js';
import { TaskQueue } from '../queue.js';
import { type Engine, type EngineContext, ModelMismatchError } from './engine.js';
import { checkInputShape } from './input-shape.js';
import { withWasmDiagnosis } from './asset-check.js';
import { raceLoss, watchGPUDevice, watchWebGLContext } from './loss.js';
import { type GraphModel, importTfjs, type LayersModel, type ModelArtifacts, type ModelJSON, type Tensor, type Tfjs } from './tfjs-runtime.js';

/**
 * tfjs keeps ONE active backend per page. Two classifiers on different tfjs
 * backends (or one initialising while another runs) would switch it under
 * each other, so every init and run goes through this page-wide queue.
 */
const tfjsQueue = new TaskQueue();

type TfModule = Tfjs['tf'];
type Model = LayersModel | GraphModel;

async function importBackend(tf: TfModule, backend: BackendName, ctx: EngineContext): Promise<void> {
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(ctx.wasmPaths.tfjs);
    // Single-threaded build always: the threaded one gains nothing (tfjs#8513)
    // and its pthread workers break once an app's bundler minifies it (tfjs#4107).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } else if (backend === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
  } else if (backend === 'webgl') {
    await import('@tensorflow/tfjs-backend-webgl');
  }
}

/** Why each backend's last init failed, as its factory threw it (set by {@link explainInitFailures}). */
const initFailures = new Map<string, string>();
const explained = new WeakSet<object>();

/**
 * tf.setBackend only answers true/false; the reason goes to console.warn.
 * Rather than patching console (the app's own warnings would vanish while a
 * GPU backend starts, seconds), the backend's registered factory is wrapped
 * once so the error it throws is recorded on its way to tfjs. Only a backend
 * not yet initialised is wrapped; its behaviour (sync or async) is kept.
 */
function explainInitFailures(tf: TfModule, backend: BackendName): void {
  const engine = tf.engine();
  const entry = engine.registryFactory[backend];
  if (!entry || explained.has(entry) || engine.registry[backend]) return;
  explained.add(entry);
  const factory = entry.factory;
  const record = (error: unknown): never => {
    initFailures.set(backend, error instanceof Error ? error.message : String(error));
    throw error;
  };
  entry.factory = () => {
    initFailures.delete(backend);
    try {
      const created = factory();
      return created instanceof Promise ? created.catch(record) : created;
    } catch (error) {
      return record(error);
    }
  };
}

async function setBackendExplained(tf: TfModule, backend: BackendName): Promise<void> {
  explainInitFailures(tf, backend);
  const ok = await tf.setBackend(backend);
  await tf.ready();
  if (!ok || tf.getBackend() !== backend) {
    const why = initFailures.get(backend);
    throw new Error(`tfjs could not initialise its ${backend} backend${why ? `: ${why}` : ''}`);
  }
}

async function buildModel({ tf, loadGraphModel, loadLayersModel }: Tfjs, ctx: EngineContext): Promise<Model> {
  const { manifest, files } = ctx.model;
  const modelJson = JSON.parse(new TextDecoder().decode(files.get(manifest.files.model)!)) as ModelJSON;
  const shardNames = modelJson.weightsManifest.flatMap((g) => g.paths);
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const shards = shardNames.map((name) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`weight shard ${name} listed in model.json was not downloaded`);
    return bytes;
  });
  const { weightsManifest: _unused, ...artifacts } = modelJson;
  const handler = tf.io.fromMemory({ ...artifacts, weightSpecs, weightData: concatBytes(shards).buffer } as ModelArtifacts);
  return manifest.format === 'tfjs-graph' ? loadGraphModel(handler) : loadLayersModel(handler);
}

export async function createTfjsEngine(ctx: EngineContext): Promise<Engine> {
  const runtime = await importTfjs();
  const { tf } = runtime;
  let lost: Promise<string> | undefined;
  let gl: WebGLRenderingContext | undefined;
  const model = await tfjsQueue.run(async () => {
    await importBackend(tf, ctx.backend, ctx);
    // The SIMD build is the one every current browser gets (threads are off, above).
    const wasmUrls = ctx.backend === 'wasm' ? [`${ctx.wasmPaths.tfjs}tfjs-backend-wasm-simd.wasm`] : [];
    await withWasmDiagnosis(wasmUrls, 'options.wasm.paths.tfjs', () => setBackendExplained(tf, ctx.backend));
    const backend = tf.backend() as { gpgpu?: { gl?: WebGLRenderingContext }; device?: Parameters<typeof watchGPUDevice>[0] };
    if (ctx.backend === 'webgl') {
      gl = backend.gpgpu?.gl;
      lost = watchWebGLContext(gl);
    }
    if (ctx.backend === 'webgpu') lost = watchGPUDevice(backend.device);
    return buildModel(runtime, ctx);
  });
  const { input: spec, output: outSpec } = ctx.model.manifest;
  const shape = tensorShape(spec.size, spec.layout, spec.channels);
  try {
    checkInputShape(model.inputs[0]?.shape, shape, spec.layout);
    if (outSpec.name && 'outputNodes' in model && !model.outputNodes.includes(outSpec.name)) {
      throw new ModelMismatchError(`model has no output "${outSpec.name}" (outputs: ${model.outputNodes.join(', ')})`);
    }
  } catch (error) {
    await tfjsQueue.run(async () => model.dispose());
    throw error;
  }
  const outputName = outSpec.name;
  // Layers models say null for a free batch dimension, graph models -1.
  const batchDim = model.inputs[0]?.shape?.[0];
  const maxBatch = batchDim === null || batchDim === undefined || batchDim < 0 ? Number.POSITIVE_INFINITY : batchDim;
  let disposed = false;
  return {
    engine: 'tfjs',
    backend: ctx.backend,
    maxBatch,
    ...(lost ? { lost } : {}),
    ...(gl ? { isLost: () => (gl!.isContextLost() ? 'WebGL context lost' : null) } : {}),
    memory: () => {
      const m = tf.memory();
      return { numTensors: m.numTensors, numBytes: m.numBytes };
    },
    run: (input, batch = 1) => tfjsQueue.run(async () => {
      if (tf.getBackend() !== ctx.backend) await setBackendExplained(tf, ctx.backend);
      // tidy frees the input and intermediates; the output is kept until read.
      const output = tf.tidy(() => {
        const x = tf.tensor(input, [batch, ...shape.slice(1)], 'float32');
        const result = outputName && 'execute' in model ? model.execute(x, outputName) : model.predict(x);
        return Array.isArray(result) ? result[0]! : (result as Tensor);
      });
      try {
        // A read from a lost GPU may never settle; end this queued task so other tfjs work can go on.
        const data = output.data<'float32'>();
        return Float32Array.from(await (lost ? raceLoss(data, lost) : data));
      } finally {
        output.dispose();
      }
    }),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await tfjsQueue.run(async () => model.dispose());
    },
  };
}
