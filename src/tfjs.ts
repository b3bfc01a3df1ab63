/**
 * `inpage-classifier/tfjs`: the same API with only the TensorFlow.js engine,
 * so a tfjs-only app never bundles onnxruntime-web.
 * @packageDocumentation
 */
import type { Classifier } from './classifier.js';
import { createWithEntry } from './create.js';
import { tfjsLoader } from './engines/engine.js';
import type { ImageClassifier } from './image-classifier.js';
import { type ClassifierOptions, DEFAULT_MODEL_PATH } from './options.js';

export * from './api.js';

/**
 * Like the main entry point's `createClassifier`, for TensorFlow.js models
 * only (layers or graph); an ONNX manifest rejects with `NO_BACKEND` before
 * any download.
 *
 * @example
 * ```ts
 * import { createClassifier } from 'inpage-classifier/tfjs';
 *
 * const clf = await createClassifier({ backends: ['webgl', 'wasm'] });
 * ```
 */
export function createClassifier(options?: ClassifierOptions & { worker?: false }): Promise<Classifier>;
/** With `worker: true`: the same classifier running in a Web Worker, as a proxy with the same API (see {@link ClassifierOptions.worker}). */
export function createClassifier(options: ClassifierOptions & { worker: true }): Promise<ImageClassifier>;
/** `worker` known only at run time: either kind. */
export function createClassifier(options?: ClassifierOptions): Promise<ImageClassifier>;
export function createClassifier(options?: ClassifierOptions): Promise<ImageClassifier> {
  return createWithEntry(options ?? {}, { loaders: { tfjs: tfjsLoader }, defaultModel: DEFAULT_MODEL_PATH, worker: () => import('./worker/start-tfjs.js') });
}
