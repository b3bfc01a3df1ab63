/**
 * inpage-classifier: classify images in the page, on the user's device.
 *
 * This entry point runs both ONNX models (onnxruntime-web) and TensorFlow.js
 * models; each engine is a separate chunk loaded only when a model needs it.
 * An app that uses one format can import `inpage-classifier/onnx` or
 * `inpage-classifier/tfjs` so the other engine is not even in its build.
 * @packageDocumentation
 */
import type { Classifier } from './classifier-api.js';
import { createWithEntry } from './create.js';
import { ortLoader } from './engines/load-ort.js';
import { tfjsLoader } from './engines/load-tfjs.js';
import { type ClassifierOptions, DEFAULT_ONNX_MODEL_PATH } from './options.js';

export * from './api.js';

/**
 * Loads the model (sha256-verified, kept for offline use), picks the best
 * backend that initialises and passes a warm-up inference, and resolves with
 * a ready {@link Classifier}: by default (`worker: 'auto'`) in a Web Worker where one can
 * start, else in the page (`classifier.worker` says which and why).
 *
 * @param options - everything is optional; with none, the default NSFW
 *   MobileNetV2 model — its ONNX twin, on onnxruntime-web, the fastest path
 *   measured (docs/performance.md) — is loaded from `/models/` (see the Vite
 *   plugin or `npx inpage-classifier copy-assets` for serving it).
 * @throws TypeError for a bad option, before anything starts
 * @throws {@link ClassifierError} with code `MANIFEST_INVALID`, `MODEL_LOAD_FAILED`,
 *   `MODEL_INTEGRITY`, `ENGINE_UNAVAILABLE`, `NO_BACKEND`, `WORKER_FAILED` or
 *   `UNSUPPORTED_ENVIRONMENT` (outside a browser, e.g. during SSR).
 *
 * @example
 * ```ts
 * import { createClassifier } from 'inpage-classifier';
 *
 * const clf = await createClassifier({ onProgress: (p) => console.log(p.phase, p.loaded, p.total) });
 * const result = await clf.classify(file); // a File from <input type="file">
 * console.log(clf.backend, result.top[0].label, result.top[0].score);
 * ```
 */
export async function createClassifier(options?: ClassifierOptions): Promise<Classifier> {
  return createWithEntry(options ?? {}, { loaders: { ort: ortLoader, tfjs: tfjsLoader }, defaultModel: DEFAULT_ONNX_MODEL_PATH, worker: () => import('./worker/start.js') });
}
