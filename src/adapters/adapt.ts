/**
 * Source folder → manifest draft. Each adapter reads what its source says
 * (Hugging Face configs, Teachable Machine metadata, tfjs model.json, the
 * ONNX graph), every value is kept with where it came from, and the layers
 * are merged: defaults < preset < read from the source < flags. What no layer
 * gives, and what contradicts the model graph, is a PackError naming the
 * manifest field and the flag that sets it. Pure and isomorphic: no node:
 * imports, files come through `SourceFiles`.
 */
import type { Activation, ChannelOrder, ModelFormat, ResampleFilter, ResizeMode, TensorLayout } from '../types.js';
import { formatDims, onnxTypeName, readOnnxIO } from './onnx-graph.js';
import { PRESETS } from './presets.js';
import { inspectTfjsModel } from './tfjs-model.js';
import { type AdaptResult, type InferredRow, type ManifestDraft, type PackFlags, PackError, type SourceFiles, type SourceKind } from './types.js';

const FLAG: Record<string, string> = {
  name: '--name',
  version: '--version',
  description: '--description',
  format: '--kind',
  'files.model': '--model',
  'input.name': '--input-name',
  'input.size': '--size',
  'input.layout': '--layout',
  'input.channels': '--channels',
  'input.resize.mode': '--resize',
  'input.resize.shorterSide': '--shorter-side',
  'input.resize.filter': '--filter',
  'input.resize.anchor': '--anchor',
  'input.resize.padValue': '--pad-value',
  'input.resize.cropOffset': '--crop-offset',
  'input.scale': '--scale',
  'input.mean': '--mean',
  'input.std': '--std',
  'input.colorProfile': '--color-profile',
  'input.orientation': '--orientation',
  'input.alpha': '--alpha',
  'output.name': '--output-name',
  'output.activation': '--activation',
  'output.labelOffset': '--label-offset',
  'output.threshold': '--threshold',
  labels: '--labels',
};

const TIER = { default: 0, preset: 1, read: 2, flag: 3 } as const;
type Tier = keyof typeof TIER;

/** Field values with their provenance; a higher tier replaces a lower one, the same tier the earlier one. */
class Fields {
  readonly values = new Map<string, { value: unknown; from: string; tier: number }>();
  set(field: string, value: unknown, from: string, tier: Tier): void {
    if (value === undefined) return;
    const cur = this.values.get(field);
    if (!cur || TIER[tier] >= cur.tier) this.values.set(field, { value, from, tier: TIER[tier] });
  }
  get<T>(field: string): T | undefined {
    return this.values.get(field)?.value as T | undefined;
  }
  from(field: string): string {
    return this.values.get(field)?.from ?? '';
  }
  has(field: string): boolean {
    return this.values.has(field);
  }
  delete(field: string): void {
    this.values.delete(field);
  }
}

/** What the model file itself fixes. */
interface ModelFacts {
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

const isFixed = (d: unknown): d is number => typeof d === 'number' && d > 0;
const isChannelDim = (d: unknown) => d === 1 || d === 3 || d === 4;

/** Layout from the dims: NCHW if dim 1 is a channel count (1/3/4) and the last is not, else NHWC. */
function guessLayout(dims: readonly unknown[]): TensorLayout | undefined {
  const [, d1, , d3] = dims;
  if (isChannelDim(d1) && !isChannelDim(d3)) return 'NCHW';
  if (isFixed(d3) || (!isFixed(d1) && d1 !== undefined)) return isFixed(d3) || isFixed(d1) ? 'NHWC' : undefined;
  return 'NHWC';
}

function shapeFor(dims: readonly unknown[], layout: TensorLayout): { h: unknown; w: unknown; c: unknown } {
  return layout === 'NCHW' ? { h: dims[2], w: dims[3], c: dims[1] } : { h: dims[1], w: dims[2], c: dims[3] };
}

const CHANNELS_OF: Record<number, ChannelOrder> = { 1: 'L', 4: 'RGBA' };
const channelCount = (c: ChannelOrder) => (c === 'L' ? 1 : c === 'RGBA' ? 4 : 3);

function basename(path: string): string {
  return path.split('/').pop() ?? path;
}
function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
function join(dir: string, file: string): string {
  const parts = (dir ? `${dir}/${file}` : file).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}
function relativeTo(dir: string, path: string): string {
  return dir && path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
}

const text = new TextDecoder();
async function readJson(files: SourceFiles, path: string): Promise<Record<string, unknown>> {
  const bytes = await files.read(path);
  try {
    return JSON.parse(text.decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw new PackError(path, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Which adapter a file listing calls for (by names only). */
export function detectSourceKind(files: SourceFiles | readonly string[]): SourceKind {
  const list = Array.isArray(files) ? (files as readonly string[]) : (files as SourceFiles).list();
  const names = new Set(list);
  if (names.has('manifest.json')) return 'manifest';
  const jsons = list.filter((p) => p.endsWith('.json'));
  if (names.has('metadata.json') && names.has('model.json')) return 'teachable-machine';
  if (names.has('config.json') || names.has('preprocessor_config.json')) return 'huggingface';
  if (names.has('model.json') || jsons.some((p) => !/(^|\/)(package|metadata|config|tokenizer.*|.*_config)\.json$/.test(p))) return 'tfjs';
  if (list.some((p) => p.endsWith('.onnx'))) return 'onnx';
  throw new PackError('files.model', `no model found among ${list.length} files (${list.slice(0, 8).join(', ')}${list.length > 8 ? ', ...' : ''}): expected manifest.json, a Hugging Face folder (config.json), a Teachable Machine export (model.json + metadata.json), a tfjs model.json or an .onnx file`, '--model');
}

async function onnxFacts(files: SourceFiles, file: string, flags: PackFlags): Promise<ModelFacts> {
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

async function tfjsFacts(files: SourceFiles, file: string): Promise<ModelFacts> {
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

/** The one file of a kind, or the one the --model flag names; several → an error listing them. */
function pickModel(files: SourceFiles, flags: PackFlags, test: (p: string) => boolean, what: string): string {
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

const isTfjsModelJson = (p: string) => p.endsWith('.json') && !/(^|\/)(manifest|metadata|config|preprocessor_config|package|tokenizer|tokenizer_config|special_tokens_map|generation_config)\.json$/.test(p);

/* ---------------------------------------------------------------- presets and flags */

function applyPreset(f: Fields, flags: PackFlags): void {
  if (!flags.preset) return;
  const p = PRESETS[flags.preset];
  const from = `--preset ${flags.preset}`;
  f.set('input.size', p.size, from, 'preset');
  f.set('input.resize.mode', p.resize?.mode, from, 'preset');
  f.set('input.resize.shorterSide', p.resize?.shorterSide, from, 'preset');
  f.set('input.resize.filter', p.resize?.filter, from, 'preset');
  f.set('input.resize.anchor', p.resize?.anchor, from, 'preset');
  f.set('input.resize.padValue', p.resize?.padValue, from, 'preset');
  f.set('input.scale', p.scale, from, 'preset');
  f.set('input.mean', p.mean, from, 'preset');
  f.set('input.std', p.std, from, 'preset');
  f.set('input.channels', p.channels, from, 'preset');
  f.set('output.activation', p.activation, from, 'preset');
}

function applyFlags(f: Fields, flags: PackFlags): void {
  const set = (field: string, value: unknown) => f.set(field, value, FLAG[field] ?? field, 'flag');
  set('name', flags.name);
  set('version', flags.version);
  set('description', flags.description);
  set('input.name', flags.inputName);
  set('input.size', flags.size);
  set('input.layout', flags.layout);
  set('input.channels', flags.channels);
  set('input.resize.mode', flags.resize);
  set('input.resize.shorterSide', flags.shorterSide);
  set('input.resize.filter', flags.filter);
  set('input.resize.anchor', flags.anchor);
  set('input.resize.padValue', flags.padValue);
  set('input.resize.cropOffset', flags.cropOffset);
  set('input.scale', flags.scale);
  set('input.mean', flags.mean);
  set('input.std', flags.std);
  set('input.colorProfile', flags.colorProfile);
  set('input.orientation', flags.orientation);
  set('input.alpha', flags.alpha);
  set('output.name', flags.outputName);
  set('output.activation', flags.activation);
  set('output.labelOffset', flags.labelOffset);
  set('output.threshold', flags.threshold);
  if (flags.labels) f.set('labels', flags.labels, flags.labelsFrom ?? '--labels', 'flag');
}

/** Input facts of the graph at the read tier: layout guess, fixed size, channel count. */
function applyFacts(f: Fields, facts: ModelFacts, flags: PackFlags): void {
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

/* ---------------------------------------------------------------- Hugging Face */

const PIL_FILTERS: Record<number, ResampleFilter> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming' };
/** Image processors whose int `size` means the shortest edge (transformers get_size_dict(default_to_square=False)). */
const SHORTEST_EDGE_PROCESSORS = /CLIP|ConvNext|Bit|MobileNetV[12]|Levit|PoolFormer|EfficientFormer|ChineseCLIP|Owl/i;

type HfSize = { height: number; width: number } | { shortest: number };

function hfSize(value: unknown, key: string, squareDefault: boolean): HfSize {
  const from = `preprocessor_config.json ${key}`;
  if (typeof value === 'number') return squareDefault ? { height: value, width: value } : { shortest: value };
  const o = value as Record<string, unknown> | null;
  if (o && typeof o === 'object') {
    if (isFixed(o.height) && isFixed(o.width)) return { height: o.height, width: o.width };
    if (isFixed(o.shortest_edge) && o.longest_edge === undefined) return { shortest: o.shortest_edge };
  }
  throw new PackError('input.size', `${from} ${JSON.stringify(value)} is not one of {height, width}, {shortest_edge} or a number`, '--size');
}

async function hfVariant(files: SourceFiles, flags: PackFlags): Promise<string> {
  if (flags.model !== undefined) return pickModel(files, flags, (p) => p.endsWith('.onnx'), '.onnx files');
  const onnx = files.list().filter((p) => /^(onnx\/)?model(_[\w-]+)?\.onnx$/.test(p));
  const variant = (p: string) => /model(?:_([\w-]+))?\.onnx$/.exec(p)![1] ?? 'default';
  const variants = onnx.map(variant);
  const wanted = flags.variant ?? 'default';
  const hits = onnx.filter((p) => variant(p) === wanted || (wanted === 'fp32' && variant(p) === 'default'));
  const hit = hits.find((p) => p.startsWith('onnx/')) ?? hits[0];
  if (hit) return hit;
  if (!onnx.length) {
    const tfjs = files.list().filter(isTfjsModelJson);
    if (tfjs.length === 1 && flags.variant === undefined) return tfjs[0]!;
    throw new PackError('files.model', `no onnx/model.onnx (or model_<variant>.onnx) in the Hugging Face folder${files.list().some((p) => /\.(safetensors|bin)$/.test(p)) ? ': it holds PyTorch weights only; export it to ONNX first (optimum-cli export onnx, or transformers.js\'s convert script)' : ''}`, '--model');
  }
  throw new PackError('files.model', flags.variant === undefined ? `no onnx/model.onnx; variants found: ${variants.join(', ')}: pick one` : `no "${flags.variant}" variant (onnx/model_${flags.variant}.onnx); variants found: ${variants.join(', ')}`, '--variant');
}

function hfLabels(config: Record<string, unknown>, f: Fields): void {
  if (Array.isArray(config.label_names)) {
    f.set('labels', (config.label_names as unknown[]).map(String), 'config.json label_names', 'read');
    return;
  }
  const id2label = config.id2label as Record<string, unknown> | undefined;
  if (!id2label || typeof id2label !== 'object') return;
  const entries = Object.entries(id2label).map(([k, v]) => [Number(k), String(v)] as const).sort((a, b) => a[0] - b[0]);
  entries.forEach(([k], i) => {
    if (k !== i) throw new PackError('labels', `config.json id2label is not indexed 0..${entries.length - 1} (key ${k} at position ${i})`, '--labels');
  });
  f.set('labels', entries.map(([, v]) => v), 'config.json id2label', 'read');
}

/** timm's pretrained_cfg: Resize(floor(H / crop_pct)) + CenterCrop(H), ToTensor, Normalize. */
function timmPreprocessing(cfg: Record<string, unknown>, f: Fields): void {
  const from = (k: string) => `config.json pretrained_cfg.${k}`;
  const inputSize = cfg.input_size as unknown[] | undefined;
  if (!Array.isArray(inputSize) || inputSize.length !== 3 || !inputSize.every(isFixed)) throw new PackError('input.size', `${from('input_size')} ${JSON.stringify(inputSize)} is not [C, H, W]`, '--size');
  const [c, h, w] = inputSize as [number, number, number];
  f.set('input.size', [h, w], from('input_size'), 'read');
  f.set('input.layout', 'NCHW', 'timm (PyTorch NCHW)', 'default');
  if (CHANNELS_OF[c]) f.set('input.channels', CHANNELS_OF[c], from('input_size'), 'read');
  const interp = String(cfg.interpolation ?? 'bilinear');
  if (!['bilinear', 'bicubic', 'nearest', 'lanczos', 'box', 'hamming'].includes(interp)) throw new PackError('input.resize.filter', `${from('interpolation')} "${interp}" has no Pillow equivalent`, '--filter');
  f.set('input.resize.filter', interp, cfg.interpolation === undefined ? 'timm default (bilinear)' : from('interpolation'), 'read');
  const cropPct = typeof cfg.crop_pct === 'number' ? cfg.crop_pct : 0.875;
  const mode = String(cfg.crop_mode ?? 'center');
  if (mode === 'squash' && cropPct === 1) {
    f.set('input.resize.mode', 'stretch', `${from('crop_mode')} squash, crop_pct 1`, 'read');
  } else if (mode !== 'center') {
    throw new PackError('input.resize.mode', `${from('crop_mode')} "${mode}" (with crop_pct ${cropPct}) has no manifest equivalent: only "center" (and "squash" with crop_pct 1)`, '--resize');
  } else {
    if (h !== w) throw new PackError('input.resize.mode', `${from('input_size')} is not square (${h}x${w}): timm then resizes to (floor(H/crop_pct), floor(W/crop_pct)) ignoring aspect, which the manifest cannot express`, '--resize');
    f.set('input.resize.mode', 'crop', `${from('crop_mode')} center`, 'read');
    f.set('input.resize.shorterSide', Math.floor(h / cropPct), `${from('crop_pct')} ${cropPct}: floor(${h} / ${cropPct})`, 'read');
    f.set('input.resize.cropOffset', 'round', 'timm uses torchvision CenterCrop', 'read');
  }
  f.set('input.scale', 1 / 255, 'timm ToTensor (/255)', 'read');
  if (cfg.mean === undefined || cfg.std === undefined) throw new PackError(cfg.mean === undefined ? 'input.mean' : 'input.std', `config.json pretrained_cfg has no ${cfg.mean === undefined ? 'mean' : 'std'}`, cfg.mean === undefined ? '--mean' : '--std');
  f.set('input.mean', cfg.mean, from('mean'), 'read');
  f.set('input.std', cfg.std, from('std'), 'read');
  f.set('output.activation', 'softmax', 'timm classifiers output logits', 'read');
}

function hfPreprocessing(p: Record<string, unknown>, facts: ModelFacts, f: Fields, flags: PackFlags): void {
  const P = 'preprocessor_config.json';
  const type = String(p.image_processor_type ?? p.feature_extractor_type ?? '');
  f.set('input.layout', 'NCHW', `${P} (transformers pixel_values are NCHW)`, 'default');
  if (p.do_flip_channel_order === true) f.set('input.channels', 'BGR', `${P} do_flip_channel_order`, 'read');
  else f.set('input.channels', 'RGB', `${P} ${p.do_convert_rgb === false ? 'do_convert_rgb false (RGB assumed)' : 'do_convert_rgb'}`, 'default');
  // resample
  if (p.resample !== undefined) {
    const filter = PIL_FILTERS[p.resample as number];
    if (!filter) throw new PackError('input.resize.filter', `${P} resample ${JSON.stringify(p.resample)} is not a PIL resampling code (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)`, '--filter');
    f.set('input.resize.filter', filter, `${P} resample ${String(p.resample)}`, 'read');
  } else {
    f.set('input.resize.filter', 'bilinear', `${P} has no resample (bilinear assumed)`, 'default');
  }
  // geometry
  if (p.do_resize === false) {
    if (!flags.resize) throw new PackError('input.resize.mode', `${P} do_resize is false: the processor expects images already at the model size, so say how to get there`, '--resize');
  } else {
    const cropPct = typeof p.crop_pct === 'number' ? p.crop_pct : undefined;
    const squareDefault = !(p.do_center_crop === true || cropPct !== undefined || SHORTEST_EDGE_PROCESSORS.test(type));
    if (p.size === undefined) throw new PackError('input.size', `${P} has no size`, '--size');
    const size = hfSize(p.size, 'size', squareDefault);
    const sizeText = `${P} size ${JSON.stringify(p.size)}`;
    if (p.do_center_crop === true) {
      if (p.crop_size === undefined) throw new PackError('input.size', `${P} do_center_crop without crop_size`, '--size');
      const crop = hfSize(p.crop_size, 'crop_size', true) as { height: number; width: number };
      const cropText = `${P} crop_size ${JSON.stringify(p.crop_size)}`;
      if ('shortest' in size) {
        f.set('input.resize.mode', 'crop', `${P} do_center_crop + size.shortest_edge`, 'read');
        f.set('input.resize.shorterSide', size.shortest, sizeText, 'read');
        f.set('input.size', [crop.height, crop.width], cropText, 'read');
        f.set('input.resize.cropOffset', 'floor', `${P} center crop ((h - crop) // 2)`, 'read');
      } else if (size.height === crop.height && size.width === crop.width) {
        f.set('input.resize.mode', 'stretch', `${sizeText} = crop_size`, 'read');
        f.set('input.size', [size.height, size.width], sizeText, 'read');
      } else if (!flags.resize) {
        throw new PackError('input.resize.mode', `${sizeText} then ${cropText}: the processor stretches to ${size.height}x${size.width} (ignoring aspect) and then crops, which the manifest cannot express`, '--resize');
      } else {
        f.set('input.size', [crop.height, crop.width], cropText, 'read');
      }
    } else if ('shortest' in size && cropPct !== undefined) {
      // ConvNextImageProcessor.resize: below 384, resize the shorter side to int(shortest_edge / crop_pct) and center-crop; else warp.
      const se = size.shortest;
      f.set('input.size', [se, se], sizeText, 'read');
      if (se < 384) {
        f.set('input.resize.mode', 'crop', `${P} crop_pct ${cropPct} (ConvNeXt: shortest_edge < 384)`, 'read');
        f.set('input.resize.shorterSide', Math.floor(se / cropPct), `${P} crop_pct ${cropPct}: int(${se} / ${cropPct})`, 'read');
        f.set('input.resize.cropOffset', 'floor', `${P} center crop ((h - crop) // 2)`, 'read');
      } else {
        f.set('input.resize.mode', 'stretch', `${P} crop_pct ignored (ConvNeXt: shortest_edge >= 384 warps to ${se}x${se})`, 'read');
      }
    } else if ('shortest' in size) {
      const { h, w } = shapeFor(facts.dims, 'NCHW');
      f.set('input.resize.shorterSide', size.shortest, sizeText, 'read');
      if (!flags.resize) {
        const fixed = isFixed(h) && isFixed(w);
        throw new PackError(
          'input.resize.mode',
          fixed
            ? `${sizeText} without a center crop keeps the aspect ratio, so Hugging Face feeds a variable-size image, but ${facts.dimsFrom} is fixed at ${String(h)}x${String(w)}: the processor and the ONNX graph disagree; choose how images reach ${String(h)}x${String(w)} (e.g. --resize crop)`
            : `${sizeText} without a center crop keeps the aspect ratio (a variable-size input; ${facts.dimsFrom} has dynamic H/W), but a manifest has one fixed size: choose --size HxW and --resize (e.g. --resize crop --size ${size.shortest}x${size.shortest})`,
          '--resize',
        );
      }
    } else {
      f.set('input.resize.mode', 'stretch', `${sizeText} (no center crop: resized to exactly that)`, 'read');
      f.set('input.size', [size.height, size.width], sizeText, 'read');
    }
  }
  // pixel values
  const rescale = p.do_rescale !== false;
  f.set('input.scale', rescale ? (typeof p.rescale_factor === 'number' ? p.rescale_factor : 1 / 255) : 1, rescale ? `${P} ${p.rescale_factor === undefined ? 'do_rescale (default 1/255)' : 'rescale_factor'}` : `${P} do_rescale false`, 'read');
  if (p.do_normalize === false) {
    f.set('input.mean', 0, `${P} do_normalize false`, 'read');
    f.set('input.std', 1, `${P} do_normalize false`, 'read');
  } else {
    for (const [key, field] of [['image_mean', 'input.mean'], ['image_std', 'input.std']] as const) {
      const value = p[key];
      if (value === undefined) throw new PackError(field, `${P} do_normalize without ${key}`, FLAG[field]);
      // HF normalises in RGB and flips to BGR afterwards; the manifest lists values in `channels` order.
      const flipped = Array.isArray(value) && p.do_flip_channel_order === true ? [...(value as number[])].reverse() : value;
      f.set(field, flipped, `${P} ${key}${flipped !== value ? ' (reversed for BGR)' : ''}`, 'read');
    }
  }
}

async function adaptHuggingFace(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const names = new Set(files.list());
  const config = names.has('config.json') ? await readJson(files, 'config.json') : {};
  const timm = (config.pretrained_cfg as Record<string, unknown> | undefined) ?? undefined;
  if (!names.has('preprocessor_config.json') && !timm) {
    throw new PackError('input', 'preprocessor_config.json is missing from the Hugging Face folder (and config.json has no timm pretrained_cfg): it holds the resize and normalisation; add it, or pack the .onnx alone with --kind onnx and --preset or flags', '--kind onnx');
  }
  const modelFile = await hfVariant(files, flags);
  const facts = modelFile.endsWith('.onnx') ? await onnxFacts(files, modelFile, flags) : await tfjsFacts(files, modelFile);
  applyFacts(f, facts, flags);
  hfLabels(config, f);
  if (names.has('preprocessor_config.json')) {
    hfPreprocessing(await readJson(files, 'preprocessor_config.json'), facts, f, flags);
    f.set('output.activation', config.problem_type === 'multi_label_classification' ? 'sigmoid' : 'softmax', config.problem_type ? `config.json problem_type ${String(config.problem_type)}` : 'config.json (no problem_type: single-label, logits)', 'read');
  } else {
    timmPreprocessing(timm!, f);
  }
  // A graph that already ends in softmax wins over the config's "logits".
  if (facts.endsIn) f.set('output.activation', 'none', `${facts.endsInFrom} (already probabilities)`, 'read');
  const name = typeof config._name_or_path === 'string' && config._name_or_path ? basename(config._name_or_path) : undefined;
  f.set('name', name, 'config.json _name_or_path', 'read');
  return facts;
}

/* ---------------------------------------------------------------- Teachable Machine, tfjs, ONNX, manifest */

async function adaptTeachableMachine(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const meta = await readJson(files, 'metadata.json');
  const facts = await tfjsFacts(files, flags.model ?? 'model.json');
  applyFacts(f, facts, flags);
  if (Array.isArray(meta.labels)) f.set('labels', (meta.labels as unknown[]).map(String), 'metadata.json labels', 'read');
  const imageSize = isFixed(meta.imageSize) ? meta.imageSize : 224;
  const sizeFrom = isFixed(meta.imageSize) ? 'metadata.json imageSize' : 'Teachable Machine default imageSize 224';
  const { h, w, c } = shapeFor(facts.dims, 'NHWC');
  f.set('input.size', [imageSize, imageSize], sizeFrom, 'default'); // the graph's fixed size (read tier) wins
  if (isFixed(h) && isFixed(w) && (h !== imageSize || w !== imageSize)) throw new PackError('input.size', `${sizeFrom} ${imageSize} but ${facts.dimsFrom} is ${h}x${w}`, '--size');
  f.set('input.resize.mode', 'crop', 'Teachable Machine (centre square, scaled to imageSize)', 'read');
  f.set('input.resize.shorterSide', imageSize, sizeFrom, 'read');
  f.set('input.scale', 1 / 127, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.mean', 1, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.std', 1, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.layout', 'NHWC', 'Teachable Machine (tfjs)', 'read');
  f.set('output.activation', 'softmax', 'Teachable Machine (softmax head)', 'default');
  if (meta.grayscale === true) {
    if (c === 1) f.set('input.channels', 'L', `metadata.json grayscale + ${facts.dimsFrom}`, 'read');
    else if (!flags.channels) throw new PackError('input.channels', `metadata.json grayscale is true but ${facts.dimsFrom} takes ${String(c)} channels: Teachable Machine feeds gray copied into 3 channels, which the manifest cannot express; --channels RGB accepts colour input instead`, '--channels');
  }
  f.set('name', typeof meta.modelName === 'string' ? meta.modelName : undefined, 'metadata.json modelName', 'read');
  f.set('version', typeof meta.packageVersion === 'string' ? meta.packageVersion : undefined, 'metadata.json packageVersion', 'read');
  return facts;
}

async function adaptManifest(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const m = await readJson(files, 'manifest.json');
  const mfiles = (m.files ?? {}) as { model?: string };
  if (typeof mfiles.model !== 'string') throw new PackError('files.model', 'manifest.json has no files.model', '--model');
  const model = flags.model ?? mfiles.model;
  const facts = model.endsWith('.onnx') ? await onnxFacts(files, model, { ...flags, inputName: flags.inputName ?? ((m.input as { name?: string })?.name), outputName: flags.outputName ?? ((m.output as { name?: string })?.name) }) : await tfjsFacts(files, model);
  applyFacts(f, facts, flags);
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const field = prefix ? `${prefix}.${k}` : k;
      if (field === 'input.resize' || field === 'input' || field === 'output') walk(v as Record<string, unknown>, field);
      else if (field in FLAG && field !== 'labels' && field !== 'files.model' && field !== 'format') f.set(field, v, 'manifest.json', 'read');
    }
  };
  walk(m, '');
  if (Array.isArray(m.labels)) f.set('labels', m.labels.map(String), 'manifest.json labels', 'read');
  else if (typeof m.labels === 'string') {
    const raw = text.decode(await files.read(m.labels));
    f.set('labels', raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0), `manifest.json labels (${m.labels})`, 'read');
  }
  return facts;
}

/* ---------------------------------------------------------------- assembly */

function fmt(field: string, value: unknown): string {
  if (field === 'input.size' && Array.isArray(value)) return `${value[0]}x${value[1]} (height x width)`;
  if (field === 'labels' && Array.isArray(value)) return `${value.length}: ${value.slice(0, 3).join(', ')}${value.length > 3 ? ', ...' : ''}`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(+value.toPrecision(8));
  if (Array.isArray(value)) return value.map((v) => fmt('', v)).join(', ');
  return String(value);
}

function required<T>(f: Fields, field: string, why: string): T {
  const value = f.get<T>(field);
  if (value === undefined) throw new PackError(field, `not found in the source (${why})`, FLAG[field]);
  return value;
}

function perChannel(f: Fields, field: 'input.mean' | 'input.std', count: number, channels: ChannelOrder): number[] {
  const value = required<number | number[]>(f, field, 'give one number or one per channel, or a --preset');
  const list = typeof value === 'number' ? Array.from({ length: count }, () => value) : value.map(Number);
  if (list.length !== count || list.some((v) => !Number.isFinite(v))) throw new PackError(field, `${JSON.stringify(value)} (from ${f.from(field)}) does not give ${count} numbers for channels ${channels}`, FLAG[field]);
  if (field === 'input.std' && list.some((v) => v === 0)) throw new PackError(field, 'must not be 0 (it divides)', FLAG[field]);
  return list;
}

function assemble(f: Fields, facts: ModelFacts, kind: SourceKind, sourceName: string): { manifest: ManifestDraft; rows: InferredRow[]; labels: string[] } {
  f.set('name', sourceName || basename(facts.file).replace(/\.(onnx|json)$/, ''), sourceName ? 'source name' : 'model file name', 'default');
  f.set('version', '1.0.0', 'default (set --version)', 'default');
  const layout = required<TensorLayout>(f, 'input.layout', `${facts.dimsFrom} does not tell NCHW from NHWC`);
  const { h, w, c } = shapeFor(facts.dims, layout);
  const size = f.get<[number, number]>('input.size');
  if (!size) {
    throw new PackError('input.size', facts.dims.length === 4 ? `${facts.dimsFrom} has dynamic height/width: give the size the model was trained at (or a --preset that has one)` : `${facts.dimsFrom}: no input shape to read it from`, '--size');
  }
  if ((isFixed(h) && h !== size[0]) || (isFixed(w) && w !== size[1])) throw new PackError('input.size', `${size[0]}x${size[1]} (from ${f.from('input.size')}) but ${facts.dimsFrom} is fixed at ${String(h)}x${String(w)} (${layout})`, '--size');
  if (facts.dims.length === 4 && !isFixed(c) && !f.has('input.channels')) throw new PackError('input.channels', `${facts.dimsFrom} has a dynamic channel count`, '--channels');
  const channels = f.get<ChannelOrder>('input.channels') ?? 'RGB';
  if (!f.has('input.channels')) f.set('input.channels', channels, 'default', 'default');
  if (isFixed(c) && c !== channelCount(channels)) throw new PackError('input.channels', `${channels} (from ${f.from('input.channels')}) has ${channelCount(channels)} channel(s) but ${facts.dimsFrom} takes ${c} (${layout})`, '--channels');
  const count = channelCount(channels);
  const mode = required<ResizeMode>(f, 'input.resize.mode', 'how images become the model size: crop, stretch, letterbox or fit-height; or a --preset');
  const scale = required<number>(f, 'input.scale', 'pixel scale; or a --preset');
  const mean = perChannel(f, 'input.mean', count, channels);
  const std = perChannel(f, 'input.std', count, channels);
  const activation = required<Activation>(f, 'output.activation', `${facts.endsInFrom}, so the graph does not end in softmax/sigmoid: say whether its outputs are logits (softmax / sigmoid) or already scores (none)`);
  const labels = required<string[]>(f, 'labels', 'one label per line');
  if (!labels.length) throw new PackError('labels', 'is empty', '--labels');
  const offset = f.get<number>('output.labelOffset') ?? 0;
  if (facts.outputSize !== undefined && labels.length + offset !== facts.outputSize) {
    const hint = facts.outputSize === labels.length + 1 ? ' (a 1001-way head with "background" first? --label-offset 1)' : '';
    throw new PackError('labels', `${labels.length} labels (from ${f.from('labels')})${offset ? ` + label offset ${offset}` : ''} but ${facts.outputSizeFrom} has ${facts.outputSize} outputs${hint}`, '--labels');
  }
  if (mode !== 'crop' && f.has('input.resize.shorterSide')) f.delete('input.resize.shorterSide');
  if (mode !== 'crop' && f.has('input.resize.cropOffset')) f.delete('input.resize.cropOffset');
  const resize: ManifestDraft['input']['resize'] = { mode };
  for (const key of ['shorterSide', 'filter', 'anchor', 'padValue', 'cropOffset'] as const) {
    const v = f.get(`input.resize.${key}`);
    if (v !== undefined) (resize as unknown as Record<string, unknown>)[key] = v;
  }
  const input: ManifestDraft['input'] = {
    ...(f.has('input.name') ? { name: f.get<string>('input.name') } : {}),
    size: [size[0], size[1]],
    layout,
    resize,
    scale,
    mean,
    std,
    channels,
  };
  for (const key of ['colorProfile', 'orientation', 'alpha'] as const) {
    const v = f.get(`input.${key}`);
    if (v !== undefined) (input as unknown as Record<string, unknown>)[key] = v;
  }
  const output: ManifestDraft['output'] = { ...(f.has('output.name') ? { name: f.get<string>('output.name') } : {}), activation };
  if (f.has('output.labelOffset')) output.labelOffset = f.get<number>('output.labelOffset');
  if (f.has('output.threshold')) output.threshold = f.get<number>('output.threshold');
  const format = f.get<ModelFormat>('format') ?? facts.format;
  const model = f.get<string>('files.model') ?? basename(facts.file);
  const weights = facts.shards.map((s) => relativeTo(dirnameOf(facts.file), s));
  const manifest: ManifestDraft = {
    name: required<string>(f, 'name', ''),
    version: required<string>(f, 'version', ''),
    ...(f.has('description') ? { description: f.get<string>('description') } : {}),
    format,
    files: { model, ...(weights.length ? { weights } : {}) },
    input,
    output,
    labels: 'labels.txt',
  };
  const order = ['format', 'files.model', 'name', 'version', 'input.name', 'input.size', 'input.layout', 'input.channels', 'input.resize.mode', 'input.resize.shorterSide', 'input.resize.filter', 'input.resize.cropOffset', 'input.resize.anchor', 'input.resize.padValue', 'input.scale', 'input.mean', 'input.std', 'input.colorProfile', 'input.orientation', 'input.alpha', 'output.name', 'output.activation', 'output.labelOffset', 'output.threshold', 'labels'];
  const rows: InferredRow[] = [{ field: 'source', value: kind, from: 'detected from the file names' }];
  for (const field of order) {
    if (!f.has(field)) continue;
    const value = field === 'input.mean' ? mean : field === 'input.std' ? std : f.get(field);
    rows.push({ field, value: fmt(field, value), from: f.from(field) });
  }
  return { manifest, rows, labels };
}

/**
 * Reads a model folder and maps it to a manifest draft.
 * @param files - the folder (paths relative to it, '/'-separated)
 * @param flags - overrides and the missing pieces (labels, preprocessing of bare models)
 * @throws PackError naming the field and the flag for anything that cannot be mapped
 */
export async function adaptSource(files: SourceFiles, flags: PackFlags & { sourceName?: string } = {}): Promise<AdaptResult> {
  const kind = flags.kind ?? detectSourceKind(files);
  const f = new Fields();
  applyPreset(f, flags);
  let facts: ModelFacts;
  if (kind === 'huggingface') facts = await adaptHuggingFace(files, flags, f);
  else if (kind === 'teachable-machine') facts = await adaptTeachableMachine(files, flags, f);
  else if (kind === 'manifest') facts = await adaptManifest(files, flags, f);
  else if (kind === 'tfjs') {
    facts = await tfjsFacts(files, pickModel(files, flags, isTfjsModelJson, 'tfjs model .json files'));
    applyFacts(f, facts, flags);
  } else {
    facts = await onnxFacts(files, pickModel(files, flags, (p) => p.endsWith('.onnx'), '.onnx files'), flags);
    applyFacts(f, facts, flags);
  }
  if (facts.format === 'onnx' && files.list().some((p) => p === `${facts.file}_data` || p === `${facts.file}.data`)) {
    throw new PackError('files.model', `${facts.file} keeps its weights in external data (${facts.file}_data), which the runtime does not load: export it as one file (onnx.save(model, path, save_as_external_data=False))`, '--model');
  }
  applyFlags(f, flags);
  const { manifest, rows, labels } = assemble(f, facts, kind, flags.sourceName ?? '');
  const modelFiles = [facts.file, ...facts.shards];
  const base = dirnameOf(facts.file);
  const targets = Object.fromEntries(modelFiles.map((p) => [p, p === facts.file ? manifest.files.model : relativeTo(base, p)]));
  const warnings: string[] = [];
  if (flags.preset && facts.dims.length === 4) {
    const p = PRESETS[flags.preset];
    if (p.size && (manifest.input.size[0] !== p.size[0] || manifest.input.size[1] !== p.size[1]) && !flags.size) warnings.push(`--preset ${flags.preset} is for ${p.size[0]}x${p.size[1]}; the model fixes ${manifest.input.size[0]}x${manifest.input.size[1]}, used instead`);
  }
  return { kind, manifest, inferred: rows, files: modelFiles, targets, labels, warnings };
}

/** The inferred table as aligned text: field | value | from. */
export function formatInferred(rows: readonly InferredRow[]): string {
  const header = { field: 'field', value: 'value', from: 'from' };
  const all = [header, ...rows];
  const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
  const wf = Math.max(...all.map((r) => r.field.length));
  const wv = Math.max(...all.map((r) => clip(r.value).length));
  return all.map((r) => `${r.field.padEnd(wf)} | ${clip(r.value).padEnd(wv)} | ${r.from}`).join('\n');
}
