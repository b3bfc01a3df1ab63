/**
 * Everything every entry point exports besides `createClassifier` (which
 * differs only in the engines it can reach). Internals stay unexported.
 */
export { Classifier } from './classifier.js';
export type { ImageClassifier } from './image-classifier.js';
export { ClassifierError, isClassifierError } from './errors.js';
export type { ClassifierErrorCode, ClassifierErrorOptions } from './errors.js';
export type { ClassifierOptions, InputLimits } from './options.js';
export { DEFAULT_LIMITS, DEFAULT_MODEL_PATH, DEFAULT_ONNX_MODEL_PATH } from './options.js';
export { validateManifest } from './manifest/schema.js';
export { clearSelectionCache } from './backends/remember.js';
export type * from './types.js';
export type { BackendChange } from './backends/failover.js';
