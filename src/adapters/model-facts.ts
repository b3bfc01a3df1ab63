/**
 * What the model file itself fixes (ONNX graph I/O, tfjs model.json): the
 * input dims and names, the output size, whether the graph already ends in
 * softmax/sigmoid; which model file of a folder to use; and those facts laid
 * down at the read tier (layout guess, fixed size, channel count), where they
 * win over presets and defaults and later checks hold the rest against them.
 */
import type { ChannelOrder, ModelFormat, TensorLayout } from '../types.js';
import type { Fields } from './fields.js';
import { formatDims, onnxTypeName, readOnnxIO } from './onnx-graph.js';
import { basename, dirnameOf, join, readJson } from './source-files.js';
import { inspectTfjsModel } from './tfjs-model.js';
import { type PackFlags, PackError, type SourceFiles } from './types.js';

/** What the model file itself fixes. */
export interface ModelFacts {
  file: string;
  format: ModelFormat;
  formatFrom: string;
  /** Weight shards (tfjs), source-relative. */
  shards: string[];
  inputName?: string | undefined;
  outputName?: string | undefined;
  /** Raw input dims [N, a, b, c] and the text for messages. */
  dims: (number | string | null)[];
  dimsFrom: string;
  outputSize?: number | undefined;
  outputSizeFrom: string;
  endsIn?: 'softmax' | 'sigmoid' | undefined;
  endsInFrom: string;
}

export const isFixed = (d: unknown): d is number => typeof d === 'number' && d > 0;
const isChannelDim = (d: unknown) => d === 1 || d === 3 || d === 4;

/** Layout from the dims: NCHW if dim 1 is a channel count (1/3/4) and the last is not, else NHWC. */
function guessLayout(dims: readonly unknown[]): TensorLayout | undefined {
  const [, d1, , d3] = dims;
  if (isChannelDim(d1) && !isChannelDim(d3)) return 'NCHW';
  if (isFixed(d3) || (!isFixed(d1) && d1 !== undefined)) return isFixed(d3) || isFixed(d1) ? 'NHWC' : undefined;
  return 'NHWC';
}

export function shapeFor(dims: readonly unknown[], layout: TensorLayout): { h: unknown; w: unknown; c: unknown } {
  return layout === 'NCHW' ? { h: dims[2], w: dims[3], c: dims[1] } : { h: dims[1], w: dims[2], c: dims[3] };
}

export const CHANNELS_OF: Record<number, ChannelOrder> = { 1: 'L', 4: 'RGBA' };

export async function onnxFacts(files: SourceFiles, file: string, flags: PackFlags): Promise<ModelFacts> {
  let io;
  try {
    io = await readOnnxIO(await files.read(file));
  } catch (error) {
    throw new PackError('files.model', `${file} is ${error instanceof Error ? error.message : String(error)}`, '--model');
  }
  const input = flags.inputName !== undefined ? io.inputs.find((i) => i.name === flags.inputName) : io.inputs[0];
  if (!input) {
    throw new PackError('input.name', flags.inputName !== undefined ? `${file} has no input "${flags.inputName}" (inputs: ${io.inputs.map((i) => i.name).join(', ') || 'none'})` : `${file} has no graph input`, '--input-name');
  }
  if (input.dims.length !== 4 || input.elemType !== 1) {
    throw new PackError('input', `${file} input "${input.name}" is ${onnxTypeName(input.elemType)} ${formatDims(input.dims)}: not an image tensor (needs a rank-4 float32 [N,C,H,W] or [N,H,W,C])${io.inputs.length > 1 ? `; other inputs: ${io.inputs.filter((i) => i !== input).map((i) => i.name).join(', ')}` : ''}`, '--input-name');
  }
  const output = flags.outputName !== undefined ? io.outputs.find((o) => o.name === flags.outputName) : io.outputs[0];
  if (!output) throw new PackError('output.name', `${file} has no output "${flags.outputName ?? ''}" (outputs: ${io.outputs.map((o) => o.name).join(', ')})`, '--output-name');
  const rest = output.dims.slice(1);
  const outputSize = rest.length > 0 && rest.every(isFixed) ? rest.reduce((a, b) => a * b, 1) : undefined;
  const op = io.outputOps[output.name];
  return {
    file,
    format: 'onnx',
    formatFrom: `${file} (.onnx)`,
    shards: [],
    inputName: input.name,
    outputName: output.name,
    dims: input.dims,
    dimsFrom: `${file} input "${input.name}" ${formatDims(input.dims)}`,
    outputSize,
    outputSizeFrom: `${file} output "${output.name}" ${formatDims(output.dims)}`,
    endsIn: op === 'Softmax' ? 'softmax' : op === 'Sigmoid' ? 'sigmoid' : undefined,
    endsInFrom: `${file} output "${output.name}" is computed by ${op ?? '?'}`,
  };
}

export async function tfjsFacts(files: SourceFiles, file: string): Promise<ModelFacts> {
  let info;
  try {
    info = inspectTfjsModel(await readJson(files, file), file);
  } catch (error) {
    if (error instanceof PackError) throw error;
    throw new PackError('files.model', error instanceof Error ? error.message : String(error), '--model');
  }
  const dir = dirnameOf(file);
  const shards = info.shards.map((p) => join(dir, p));
  const names = new Set(files.list());
  const missing = shards.filter((s) => !names.has(s));
  if (missing.length) throw new PackError('files.weights', `${file} names weight shards that are not in the source: ${missing.join(', ')}`);
  return {
    file,
    format: info.format,
    formatFrom: info.formatFrom,
    shards,
    dims: info.inputShape ?? [],
    dimsFrom: `${info.inputShapeFrom} ${formatDims(info.inputShape ?? [])}`,
    outputSize: info.outputSize,
    outputSizeFrom: info.outputSizeFrom,
    endsIn: info.endsIn,
    endsInFrom: info.endsInFrom,
  };
}

/** An ONNX file whose weights live in a side file (`<model>_data`, `<model>.data`) cannot be loaded by the runtime. */
export function rejectExternalData(files: SourceFiles, facts: ModelFacts): void {
  if (facts.format === 'onnx' && files.list().some((p) => p === `${facts.file}_data` || p === `${facts.file}.data`)) {
    throw new PackError('files.model', `${facts.file} keeps its weights in external data (${facts.file}_data), which the runtime does not load: export it as one file (onnx.save(model, path, save_as_external_data=False))`, '--model');
  }
}

/** The one file of a kind, or the one the --model flag names; several → an error listing them. */
export function pickModel(files: SourceFiles, flags: PackFlags, test: (p: string) => boolean, what: string): string {
  const list = files.list();
  if (flags.model !== undefined) {
    if (!list.includes(flags.model)) throw new PackError('files.model', `--model ${flags.model} is not in the source (${what}: ${list.filter(test).join(', ') || 'none'})`, '--model');
    return flags.model;
  }
  const found = list.filter(test);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) throw new PackError('files.model', `no ${what} in the source`, '--model');
  throw new PackError('files.model', `${found.length} ${what} in the source (${found.join(', ')}): choose one`, '--model');
}

export const isTfjsModelJson = (p: string) => p.endsWith('.json') && !/(^|\/)(manifest|metadata|config|preprocessor_config|package|tokenizer|tokenizer_config|special_tokens_map|generation_config)\.json$/.test(p);

/** Input facts of the graph at the read tier: layout guess, fixed size, channel count. */
export function applyFacts(f: Fields, facts: ModelFacts, flags: PackFlags): void {
  f.set('format', facts.format, facts.formatFrom, 'read');
  f.set('files.model', basename(facts.file), facts.file, 'read');
  if (facts.format === 'onnx') {
    f.set('input.name', facts.inputName, facts.dimsFrom, 'read');
    f.set('output.name', facts.outputName, facts.outputSizeFrom, 'read');
  }
  if (facts.endsIn) f.set('output.activation', 'none', `${facts.endsInFrom} (already probabilities)`, 'read');
  if (facts.dims.length !== 4) return;
  const layout = flags.layout ?? (facts.format === 'onnx' ? guessLayout(facts.dims) : 'NHWC');
  if (!layout) return;
  f.set('input.layout', layout, facts.format === 'onnx' ? `${facts.dimsFrom}` : `${facts.dimsFrom} (tfjs image models are NHWC)`, 'read');
  const { h, w, c } = shapeFor(facts.dims, layout);
  if (isFixed(h) && isFixed(w)) f.set('input.size', [h, w], facts.dimsFrom, 'read');
  if (isFixed(c)) {
    if (CHANNELS_OF[c]) f.set('input.channels', CHANNELS_OF[c], `${facts.dimsFrom} (${c} channel${c > 1 ? 's' : ''})`, 'read');
    else if (c === 3) f.set('input.channels', 'RGB', `${facts.dimsFrom} (3 channels; RGB assumed)`, 'default');
  }
}
