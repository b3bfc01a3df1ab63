/**
 * Source adapters: a model folder (Hugging Face / transformers.js, Teachable
 * Machine, tfjs, bare ONNX, or a packed folder) → a manifest draft plus the
 * table of what was inferred from where. Isomorphic: no Node APIs; the Node
 * `pack` command (src/node/pack.ts) reads the files, hashes and writes them.
 */
export { adaptSource, detectSourceKind, formatInferred } from './adapt.js';
export { PRESETS, isPresetName, type Preset } from './presets.js';
export { parsePackArgs, PACK_FLAGS_USAGE } from './flags.js';
export { readOnnxIO, type OnnxIO, type OnnxValue } from './onnx-graph.js';
export { inspectTfjsModel, type TfjsModelInfo } from './tfjs-model.js';
export { type AdaptResult, type InferredRow, type ManifestDraft, type PackFlags, PackError, type PresetName, type SourceFiles, type SourceKind } from './types.js';
