/**
 * `inpage-classifier/tfjs`: the same API with only the TensorFlow.js engine,
 * so a tfjs-only app never bundles onnxruntime-web.
 * @packageDocumentation
 */
import type { Classifier } from './classifier-api.js';
import { createWithEntry } from './create.js';
import { tfjsLoader } from './engines/load-tfjs.js';
import { type ClassifierOptions, DEFAULT_MODEL_PATH } from './options.js';

export * from './api.js';

/**
 * Like the main entry point's `createClassifier`, for TensorFlow.js models
 * only (layers or graph); an ONNX manifest rejects with `ENGINE_UNAVAILABLE`
 * before any model file is downloaded.
 *
 * @example
 * ```ts
 * import { createClassifier } from 'inpage-classifier/tfjs';
 *
 * const clf = await createClassifier({ backends: ['webgl', 'wasm'] });
 * ```
 */
export async function createClassifier(options?: ClassifierOptions): Promise<Classifier> {
  return createWithEntry(options ?? {}, { loaders: { tfjs: tfjsLoader }, defaultModel: DEFAULT_MODEL_PATH, worker: () => import('./worker/start-tfjs.js') });
}
