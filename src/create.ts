/**
 * createClassifier: load and verify the model, probe the backends, choose
 * one (init + warm-up), and hand everything to a Classifier.
 */
import { rememberKey } from './backends/remember.js';
import { orderCandidates, probeAll, selectBackend } from './backends/select.js';
import { Classifier } from './classifier.js';
import { type EngineLoaders, engineFor, missingEngine } from './engines/engine.js';
import { ClassifierError, describeError } from './errors.js';
import type { ImageClassifier } from './image-classifier.js';
import { loadModel } from './manifest/load.js';
import { type ClassifierOptions, resolveOptions } from './options.js';
import type { BackendName, ModelManifest } from './types.js';

/** Starts a classifier in a Web Worker (src/worker/start*.ts, one per entry point, each naming its own worker script). */
export type WorkerStart = (options: ClassifierOptions, defaultModel: string) => Promise<ImageClassifier>;

/** What an entry point (`inpage-classifier`, `/onnx`, `/tfjs`) builds its createClassifier from. */
export interface EntryPoint {
  loaders: EngineLoaders;
  /** Path of the default model below `assetBase`. */
  defaultModel: string;
  /** `worker: true`: loads the page side of the worker mode (a dynamic import, so the core stays small). */
  worker?: () => Promise<{ startWorker: WorkerStart }>;
}

/** True in a window or a worker; false in Node, SSR renderers and other servers. */
function inBrowser(): boolean {
  return typeof createImageBitmap === 'function' && (typeof document !== 'undefined' || typeof OffscreenCanvas !== 'undefined');
}

function assertBrowser(): void {
  if (!inBrowser()) {
    throw new ClassifierError(
      'NO_BACKEND',
      'createClassifier needs a browser (a window or a worker with createImageBitmap and a canvas); this looks like Node or server-side rendering. Importing the package on the server is fine: call createClassifier from client-side code only (e.g. in an effect or onMount).',
      { details: { environment: 'server' } },
    );
  }
}

/**
 * createClassifier of every entry point: in the page, or with `worker: true`
 * a proxy to a classifier in a Web Worker.
 */
export async function createWithEntry(options: ClassifierOptions, entry: EntryPoint): Promise<ImageClassifier> {
  assertBrowser();
  if (options.worker === true && entry.worker) return (await entry.worker()).startWorker(options, entry.defaultModel);
  return createInPage(options, entry);
}

/**
 * Loads the model (verified, cached for offline use), finds a backend that
 * initialises and passes a warm-up inference, and returns the classifier.
 * @throws ClassifierError MANIFEST_INVALID, MODEL_LOAD_FAILED, MODEL_INTEGRITY, NO_BACKEND
 */
export async function createInPage(options: ClassifierOptions, entry: EntryPoint): Promise<Classifier> {
  assertBrowser();
  if (Array.isArray(options.model)) {
    const tiers = options.model as readonly (string | URL | ModelManifest)[];
    const { createTiered } = await import('./tiers.js');
    return createTiered({ ...options, model: tiers }, (one) => createInPage(one, entry));
  }
  const resolved = resolveOptions(options, entry.defaultModel);
  const model = await loadModel(resolved.model, {
    baseUrl: resolved.baseUrl,
    cacheName: resolved.persistModel ? resolved.modelCacheName : null,
    onProgress: resolved.onProgress,
    accept: (manifest) => {
      const missing = missingEngine(manifest.format, entry.loaders);
      if (missing) throw new ClassifierError('NO_BACKEND', `Cannot run ${manifest.name}: ${missing}.`, { details: { engine: engineFor(manifest.format) } });
    },
  });
  const engine = engineFor(model.manifest.format);
  const probed = await probeAll(resolved.wasmThreads, engine);
  const factory = await entry.loaders[engine]!();
  const createEngine = (backend: BackendName) => factory({ model, backend, wasmPaths: resolved.wasmPaths, wasmThreads: probed.wasmThreads });
  const [h, w] = model.manifest.input.size;
  const warmupInput = new Float32Array(h * w * 3);
  let selection;
  try {
    selection = await selectBackend({
      model,
      preference: resolved.backends,
      candidates: orderCandidates(resolved.backends, probed.capabilities),
      capabilities: probed.capabilities,
      createEngine,
      warmupInput,
      onProgress: resolved.onProgress,
      measure: resolved.measureBackends,
      budgetMs: resolved.selectionBudgetMs,
      initTimeoutMs: resolved.initTimeoutMs,
      memory: resolved.rememberBackend
        ? {
            key: rememberKey(model.id, model.manifest.sha256[model.manifest.files.model] ?? ''),
            // A browser update or another GPU changes this, and with it the decision.
            signature: [globalThis.navigator?.userAgent ?? '', ...probed.capabilities.map((c) => `${c.backend}:${c.available ? c.description : 'none'}`)].join('|'),
          }
        : null,
    });
  } catch (error) {
    if (error instanceof ClassifierError) throw error;
    throw new ClassifierError('MODEL_LOAD_FAILED', `Could not start ${model.id}: ${describeError(error)}`, { cause: error });
  }
  resolved.onProgress({ phase: 'ready', loaded: 1, total: 1, detail: selection.engine.backend });
  // After a run-time loss: the best backend left in the original order, no measuring, nothing remembered.
  const order = selection.selection.candidates.map((c) => c.backend);
  const restart = async (exclude: BackendName[]) => {
    const left = order.filter((b) => !exclude.includes(b));
    const next = await selectBackend({
      model, preference: left, candidates: left, capabilities: probed.capabilities,
      createEngine, warmupInput, onProgress: () => {}, measure: 'never', budgetMs: 0, initTimeoutMs: resolved.initTimeoutMs, memory: null,
    });
    return next.engine;
  };
  return new Classifier({ model, engine: selection.engine, restart, options: resolved, fallbacks: selection.fallbacks, capabilities: probed.capabilities, adapter: probed.adapter, selection: selection.selection });
}
