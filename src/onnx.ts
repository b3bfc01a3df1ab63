/**
 * `inpage-classifier/onnx`: the same API with only the onnxruntime-web engine,
 * so an ONNX-only app never bundles TensorFlow.js.
 * @packageDocumentation
 */
import type { Classifier } from './classifier.js';
import { createWithEntry } from './create.js';
import { ortLoader } from './engines/engine.js';
import { type ClassifierOptions, DEFAULT_ONNX_MODEL_PATH } from './options.js';

export * from './api.js';

/**
 * Like the main entry point's `createClassifier`, for ONNX models only
 * (a TensorFlow.js manifest rejects with `NO_BACKEND` before any download).
 * With no `model`, loads the ONNX twin of the default model.
 *
 * @example
 * ```ts
 * import { createClassifier } from 'inpage-classifier/onnx';
 *
 * const clf = await createClassifier({ model: '/models/my-model/manifest.json' });
 * ```
 */
export function createClassifier(options?: ClassifierOptions): Promise<Classifier> {
  return createWithEntry(options ?? {}, { loaders: { ort: ortLoader }, defaultModel: DEFAULT_ONNX_MODEL_PATH });
}
