/**
 * The merged fields → a manifest draft and the inferred table: every required
 * field present, and what the model graph fixes (size, channel count, output
 * count vs labels) checked against what the layers give.
 */
import type { Activation, ChannelOrder, ModelFormat, ResizeMode, TensorLayout } from '../types.js';
import { FLAG, type Fields, required } from './fields.js';
import { isFixed, type ModelFacts, shapeFor } from './model-facts.js';
import { PRESETS } from './presets.js';
import { basename, dirnameOf, relativeTo } from './source-files.js';
import { type InferredRow, type ManifestDraft, type PackFlags, PackError, type SourceKind } from './types.js';
import { channelCount } from '../preprocess/tensor.js';


function fmt(field: string, value: unknown): string {
  if (field === 'input.size' && Array.isArray(value)) return `${value[0]}x${value[1]} (height x width)`;
  if (field === 'labels' && Array.isArray(value)) return `${value.length}: ${value.slice(0, 3).join(', ')}${value.length > 3 ? ', ...' : ''}`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(+value.toPrecision(8));
  if (Array.isArray(value)) return value.map((v) => fmt('', v)).join(', ');
  return String(value);
}

function perChannel(f: Fields, field: 'input.mean' | 'input.std', count: number, channels: ChannelOrder): number[] {
  const value = required<number | number[]>(f, field, 'give one number or one per channel, or a --preset');
  const list = typeof value === 'number' ? Array.from({ length: count }, () => value) : value.map(Number);
  if (list.length !== count || list.some((v) => !Number.isFinite(v))) throw new PackError(field, `${JSON.stringify(value)} (from ${f.from(field)}) does not give ${count} numbers for channels ${channels}`, FLAG[field]);
  if (field === 'input.std' && list.some((v) => v === 0)) throw new PackError(field, 'must not be 0 (it divides)', FLAG[field]);
  return list;
}

/** Merges and checks the fields against the model facts; the first missing or contradicting field is a PackError. */
export function assemble(f: Fields, facts: ModelFacts, kind: SourceKind, sourceName: string): { manifest: ManifestDraft; rows: InferredRow[]; labels: string[] } {
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

/** Where the model's own size overrode the preset's (a hint, not an error). */
export function presetWarnings(flags: PackFlags, facts: ModelFacts, manifest: ManifestDraft): string[] {
  const warnings: string[] = [];
  if (flags.preset && facts.dims.length === 4) {
    const p = PRESETS[flags.preset];
    if (p.size && (manifest.input.size[0] !== p.size[0] || manifest.input.size[1] !== p.size[1]) && !flags.size) warnings.push(`--preset ${flags.preset} is for ${p.size[0]}x${p.size[1]}; the model fixes ${manifest.input.size[0]}x${manifest.input.size[1]}, used instead`);
  }
  return warnings;
}
