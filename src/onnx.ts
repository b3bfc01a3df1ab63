/**
 * `inpage-classifier/onnx`: the same API with only the onnxruntime-web engine,
 * so an ONNX-only app never bundles TensorFlow.js.
 * @packageDocumentation
 */
import type { Classifier } from './classifier.js';
import { createWithEntry } from './create.js';
import { ortLoader } from './engines/engine.js';
import type { ImageClassifier } from './image-classifier.js';
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
export function createClassifier(options?: ClassifierOptions & { worker?: false }): Promise<Classifier>;
/** With `worker: true`: the same classifier running in a Web Worker, as a proxy with the same API (see {@link ClassifierOptions.worker}). */
export function createClassifier(options: ClassifierOptions & { worker: true }): Promise<ImageClassifier>;
/** `worker` known only at run time: either kind. */
export function createClassifier(options?: ClassifierOptions): Promise<ImageClassifier>;
export function createClassifier(options?: ClassifierOptions): Promise<ImageClassifier> {
  return createWithEntry(options ?? {}, { loaders: { ort: ortLoader }, defaultModel: DEFAULT_ONNX_MODEL_PATH, worker: () => import('./worker/start-onnx.js') });
}
