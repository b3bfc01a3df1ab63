/**
 * createClassifier: load and verify the model, probe the backends, choose
 * one (init + warm-up), and hand everything to a Classifier.
 */
import { rememberKey } from './backends/remember.js';
import { orderCandidates, probeAll, selectBackend } from './backends/select.js';
import { Classifier } from './classifier.js';
import { loadEngineFactory } from './engines/engine.js';
import { ClassifierError, describeError } from './errors.js';
import { loadModel } from './manifest/load.js';
import { type ClassifierOptions, resolveOptions } from './options.js';
import type { BackendName } from './types.js';

/**
 * Loads the model (verified, cached for offline use), finds a backend that
 * initialises and passes a warm-up inference, and returns the classifier.
 * @throws ClassifierError MANIFEST_INVALID, MODEL_LOAD_FAILED, MODEL_INTEGRITY, NO_BACKEND
 */
export async function createClassifier(options: ClassifierOptions): Promise<Classifier> {
  if (typeof window === 'undefined' && typeof self === 'undefined') {
    throw new ClassifierError('NO_BACKEND', 'createClassifier runs in a browser (window or worker); this looks like Node/SSR. Call it from client-side code.');
  }
  const resolved = resolveOptions(options);
  const model = await loadModel(resolved.model, {
    baseUrl: resolved.baseUrl,
    cacheName: resolved.persistModel ? resolved.modelCacheName : null,
    onProgress: resolved.onProgress,
  });
  const probed = await probeAll(resolved.wasmThreads);
  const factory = await loadEngineFactory(model.manifest.format);
  const [h, w] = model.manifest.input.size;
  let selection;
  try {
    selection = await selectBackend({
      model,
      preference: resolved.backends,
      candidates: orderCandidates(resolved.backends, probed.capabilities),
      capabilities: probed.capabilities,
      createEngine: (backend) => factory({ model, backend, wasmPaths: resolved.wasmPaths, wasmThreads: probed.wasmThreads }),
      warmupInput: new Float32Array(h * w * 3),
      onProgress: resolved.onProgress,
      measure: resolved.measureBackends,
      budgetMs: resolved.selectionBudgetMs,
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
  const restart = async (exclude: BackendName[]) =>
    (await selectBackend({
      model, preference: order.filter((b) => !exclude.includes(b)), candidates: order.filter((b) => !exclude.includes(b)), capabilities: probed.capabilities,
      createEngine: (backend) => factory({ model, backend, wasmPaths: resolved.wasmPaths, wasmThreads: probed.wasmThreads }),
      warmupInput: new Float32Array(h * w * 3), onProgress: () => {}, measure: 'never', budgetMs: 0, memory: null,
    })).engine;
  return new Classifier({ model, engine: selection.engine, restart, options: resolved, fallbacks: selection.fallbacks, capabilities: probed.capabilities, adapter: probed.adapter, selection: selection.selection });
}
