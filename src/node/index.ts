/**
 * `inpage-classifier/node`: the page's classification over files in Node
 * (docs/node.md). classifyFiles runs a packed ONNX model with
 * onnxruntime-node on images decoded by sharp (both optional peers), through
 * the same manifest checks and preprocessing code as the page; fileToTensor
 * is its per-file step, for feeding the same tensor to another runtime.
 */
export { CLASSIFY_DEFAULTS, classifyFiles, isClassified } from './classify-files.js';
export type { ClassifyFilesOptions, ClassifyProgress, ClassifySummary, FileClassified, FileFailed, FileResult, FileTimings } from './classify-files.js';
export { fileToTensor } from './file-tensor.js';
export type { FileTensor, FileTensorOptions } from './file-tensor.js';
export { ClassifierError, isClassifierError } from '../errors.js';
export type { ClassifierErrorCode } from '../errors.js';
export type { Category, ModelManifest } from '../types.js';
/** The Triton model-repository entry `pack --triton` writes (config.pbtxt + model.onnx), and its check; docs/serving.md. */
export { verifyTritonEntry, verifyTritonRepository, writeTritonEntry } from './triton.js';
