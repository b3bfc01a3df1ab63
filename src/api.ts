/**
 * Everything every entry point exports besides `createClassifier` (which
 * differs only in the engines it can reach). The classifier implementations
 * stay internal: callers get the {@link Classifier} interface.
 */
export type { Classifier } from './classifier-api.js';
export { ClassifierError, isClassifierError } from './errors.js';
export type { ClassifierErrorCode, ClassifierErrorOptions } from './errors.js';
export type { BackendChange } from './backends/failover.js';
export type {
  CacheOptions, CallOptions, ClassifierOptions, CustomPreprocess, InputLimits, MetricsOptions, ModelCacheOptions, ModelSource, RemoteOptions, PreprocessingOptions, Resampling, SelectionOptions, TierOptions, WasmOptions,
} from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export { validateManifest } from './manifest/schema.js';
export { clearSelectionCache } from './backends/remember.js';
export type * from './types.js';

/** @deprecated the same interface, now named {@link Classifier} (removed in 0.3) */
export type ImageClassifier = import('./classifier-api.js').Classifier;
