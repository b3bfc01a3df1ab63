/**
 * Shared types of the source adapters (`pack`): what a source folder looks
 * like to them (a file list and a reader, so they run in Node and in a
 * browser alike), the flags that override what they infer, and the typed
 * error they throw for anything they cannot map.
 */
import type { Activation, ChannelOrder, ModelManifest, ResampleFilter, ResizeMode, TensorLayout } from '../types.js';

/** A source folder, seen through a listing and a reader (Node fs, a browser FileList, a zip...). */
export interface SourceFiles {
  /** Every file, as a folder-relative path with '/' separators. */
  list(): string[];
  read(path: string): Promise<Uint8Array>;
}

export type SourceKind = 'huggingface' | 'teachable-machine' | 'tfjs' | 'onnx' | 'manifest';

/** A manifest before hashing: everything but `sha256` and `bytes`. */
export type ManifestDraft = Omit<ModelManifest, 'sha256' | 'bytes'>;

/** One line of the "what was inferred, from where" table. */
export interface InferredRow {
  field: string;
  value: string;
  from: string;
}

export type PresetName = 'torchvision' | 'inception' | 'zero-one' | 'paddle-cls';

/** Everything a flag can set; each one overrides what was read from the source or a preset. */
export interface PackFlags {
  /** Force the source kind instead of detecting it. */
  kind?: SourceKind | undefined;
  /** Which file inside the source is the model (when there are several .onnx / .json files). */
  model?: string | undefined;
  /** Hugging Face ONNX variant: `quantized` → onnx/model_quantized.onnx. */
  variant?: string | undefined;
  preset?: PresetName | undefined;
  size?: [number, number] | undefined;
  layout?: TensorLayout | undefined;
  channels?: ChannelOrder | undefined;
  resize?: ResizeMode | undefined;
  shorterSide?: number | undefined;
  filter?: ResampleFilter | undefined;
  cropOffset?: 'round' | 'floor' | undefined;
  scale?: number | undefined;
  mean?: number | number[] | undefined;
  std?: number | number[] | undefined;
  activation?: Activation | undefined;
  labelOffset?: number | undefined;
  threshold?: number | undefined;
  /** Labels in index order (the Node CLI reads `--labels <file>` into this). */
  labels?: string[] | undefined;
  /** Where `labels` came from, for the table (e.g. the file name). @defaultValue '--labels' */
  labelsFrom?: string | undefined;
  name?: string | undefined;
  version?: string | undefined;
  description?: string | undefined;
  inputName?: string | undefined;
  outputName?: string | undefined;
  colorProfile?: 'convert' | 'ignore' | undefined;
  orientation?: 'apply' | 'ignore' | undefined;
  alpha?: 'composite' | 'drop' | undefined;
  padValue?: number | undefined;
  anchor?: 'center' | 'left' | undefined;
}

export interface AdaptResult {
  kind: SourceKind;
  manifest: ManifestDraft;
  inferred: InferredRow[];
  /** Source-relative paths of the model files to copy (model, weight shards). */
  files: string[];
  /** Where each of `files` goes in the packed folder (source path → packed path, the names the manifest uses). */
  targets: Record<string, string>;
  labels: string[];
  /** Non-fatal notes (e.g. a value taken from a default). */
  warnings: string[];
}

/**
 * A source field that could not be mapped to the manifest. `field` names the
 * manifest field (`input.size`), `flag` the command-line flag that sets it.
 */
export class PackError extends Error {
  override readonly name = 'PackError';
  readonly field: string;
  readonly flag: string | undefined;
  constructor(field: string, message: string, flag?: string) {
    super(`${field}: ${message}${flag && !message.includes(flag) ? ` (set it with ${flag})` : ''}`);
    this.field = field;
    this.flag = flag;
  }
}
