/**
 * `inpage-classifier/onnx`: the same API with only the onnxruntime-web engine,
 * so an ONNX-only app never bundles TensorFlow.js.
 * @packageDocumentation
 */
import type { Classifier } from './classifier-api.js';
import { createWithEntry } from './create.js';
import { ortLoader } from './engines/load-ort.js';
import { type ClassifierOptions, DEFAULT_ONNX_MODEL_PATH } from './options.js';

export * from './api.js';

/**
 * Like the main entry point's `createClassifier`, for ONNX models only
 * (a TensorFlow.js manifest rejects with `ENGINE_UNAVAILABLE` before any
 * model file is downloaded). With no `model`, loads the ONNX twin of the
 * default model.
 *
 * @example
 * ```ts
 * import { createClassifier } from 'inpage-classifier/onnx';
 *
 * const clf = await createClassifier({ model: '/models/my-model/manifest.json' });
 * ```
 */
export async function createClassifier(options?: ClassifierOptions): Promise<Classifier> {
  return createWithEntry(options ?? {}, { loaders: { ort: ortLoader }, defaultModel: DEFAULT_ONNX_MODEL_PATH, worker: () => import('./worker/start-onnx.js') });
}
