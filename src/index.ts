/**
 * inpage-classifier: classify images in the page, on the user's device.
 * Public exports only; internals stay unexported on purpose.
 */
export { createClassifier } from './create.js';
export { Classifier } from './classifier.js';
export { ClassifierError, isClassifierError } from './errors.js';
export type { ClassifierErrorCode, ClassifierErrorOptions } from './errors.js';
export type { ClassifierOptions, InputLimits } from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export { validateManifest } from './manifest/schema.js';
export { clearSelectionCache } from './backends/remember.js';
export type * from './types.js';
export type { BackendChange } from './backends/failover.js';
