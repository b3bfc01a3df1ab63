/**
 * `pack ... --triton <repoDir>`: a Triton Inference Server model-repository
 * entry for a packed ONNX folder, `<repoDir>/<name>/config.pbtxt` +
 * `<repoDir>/<name>/1/model.onnx` (+ `labels.txt`, named by the output's
 * `label_filename`). The input / output names, element types and dims come
 * from the ONNX graph itself (src/adapters/onnx-graph.ts), checked against the
 * manifest's size and layout; `max_batch_size` is 8 when the graph's batch dim
 * is dynamic (dims then leave the batch out, as Triton wants), 0 when fixed.
 * `verifyTritonEntry` reads an entry back (config.pbtxt parsed, checked
 * against the graph). docs/serving.md.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { formatDims, type OnnxDim, type OnnxIO, type OnnxValue, readOnnxIO } from '../adapters/onnx-graph.js';
import { PackError } from '../adapters/types.js';
import { validateManifest } from '../manifest/schema.js';
import { channelCount } from '../preprocess/tensor.js';
import type { ModelManifest } from '../types.js';
import type { VerifyResult } from './pack.js';

/** max_batch_size written for a graph whose batch dim is dynamic. */
export const TRITON_MAX_BATCH_SIZE = 8;

export interface TritonTensor {
  name: string;
  /** Triton's DataType, e.g. 'TYPE_FP32'. */
  dataType: string;
  /** Without the batch dim when maxBatchSize > 0; -1 for a dynamic one. */
  dims: number[];
  labelFilename?: string | undefined;
}

export interface TritonConfig {
  name: string;
  platform: string;
  maxBatchSize: number;
  input: TritonTensor[];
  output: TritonTensor[];
}

export interface TritonEntry {
  /** `<repoDir>/<name>` */
  dir: string;
  config: TritonConfig;
  /** Files written, relative to `dir`. */
  files: string[];
  /** What verifyTritonEntry checked on the written entry. */
  checked: string[];
}

/** ONNX TensorProto.DataType → Triton DataType. */
const TRITON_TYPES: Record<number, string> = { 1: 'TYPE_FP32', 2: 'TYPE_UINT8', 3: 'TYPE_INT8', 4: 'TYPE_UINT16', 5: 'TYPE_INT16', 6: 'TYPE_INT32', 7: 'TYPE_INT64', 8: 'TYPE_STRING', 9: 'TYPE_BOOL', 10: 'TYPE_FP16', 11: 'TYPE_FP64', 12: 'TYPE_UINT32', 13: 'TYPE_UINT64', 16: 'TYPE_BF16' };
const VERSION = '1';
const MODEL_FILE = 'model.onnx';
const LABELS_FILE = 'labels.txt';

const fixed = (d: OnnxDim): d is number => typeof d === 'number';

function readPacked(packedDir: string): { manifest: ModelManifest; modelPath: string } {
  const manifestPath = join(packedDir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new PackError('triton', `${packedDir} is not a packed folder (no manifest.json): pack the model first`, '--triton');
  const manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  if (manifest.format !== 'onnx') {
    throw new PackError('triton', `${manifest.name} is a ${manifest.format} model, and Triton's onnxruntime_onnx backend runs ONNX: pack the tfjs source with --onnx-twin (the Triton entry is then made from the <out>-onnx twin), or pass an ONNX packed folder`, '--triton');
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(manifest.name) || /^\.+$/.test(manifest.name)) {
    throw new PackError('name', `"${manifest.name}" cannot name a Triton model folder (letters, digits, _ . - only)`, '--name');
  }
  return { manifest, modelPath: join(packedDir, manifest.files.model) };
}

function readLabels(packedDir: string, manifest: ModelManifest): string[] {
  return typeof manifest.labels === 'string' ? readFileSync(join(packedDir, manifest.labels), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0) : manifest.labels;
}

function tritonType(value: OnnxValue, what: string): string {
  const type = TRITON_TYPES[value.elemType];
  if (!type) throw new PackError('triton', `${what} "${value.name}" has ONNX element type ${value.elemType}, which Triton has no type for`, '--triton');
  return type;
}

/**
 * The Triton config for a packed ONNX folder, from its graph and manifest.
 * @throws PackError when the folder is not a packed ONNX model, or the graph does not take the manifest's input
 */
export async function tritonConfigFor(packedDir: string): Promise<{ config: TritonConfig; manifest: ModelManifest; modelPath: string; labels: string[] }> {
  const { manifest, modelPath } = readPacked(packedDir);
  const io = await readOnnxIO(new Uint8Array(readFileSync(modelPath)));
  const file = manifest.files.model;
  if (io.inputs.length !== 1) throw new PackError('triton', `${file} has ${io.inputs.length} inputs (${io.inputs.map((i) => i.name).join(', ')}); an image classifier entry feeds one`, '--triton');
  const input = manifest.input.name ? io.inputs.find((i) => i.name === manifest.input.name) : io.inputs[0];
  const output = manifest.output.name ? io.outputs.find((o) => o.name === manifest.output.name) : io.outputs[0];
  if (!input) throw new PackError('input.name', `${file} has no input "${manifest.input.name ?? ''}" (inputs: ${io.inputs.map((i) => i.name).join(', ')})`, '--input-name');
  if (!output) throw new PackError('output.name', `${file} has no output "${manifest.output.name ?? ''}" (outputs: ${io.outputs.map((o) => o.name).join(', ')})`, '--output-name');
  if (input.elemType !== 1) throw new PackError('triton', `${file} input "${input.name}" is not float32 (TYPE_FP32)`, '--triton');
  const { size: [h, w], layout, channels } = manifest.input;
  const c = channelCount(channels);
  const item = layout === 'NCHW' ? [c, h, w] : [h, w, c];
  if (input.dims.length !== 4 || input.dims.slice(1).some((d, i) => fixed(d) && d !== item[i])) {
    throw new PackError('triton', `${file} input "${input.name}" ${formatDims(input.dims)} does not take the manifest's ${layout} ${h}x${w} ${channels} ([N, ${item.join(', ')}])`, '--triton');
  }
  const batched = !fixed(input.dims[0]!);
  const labels = readLabels(packedDir, manifest);
  const classes = labels.length + (manifest.output.labelOffset ?? 0);
  // Dynamic output dims: the class dim (last) is the label count, others -1.
  const outDims = output.dims.map((d, i) => (fixed(d) ? d : i === output.dims.length - 1 ? classes : -1));
  if (batched && outDims.length > 0) outDims[0] = -1;
  const withLabels = (manifest.output.labelOffset ?? 0) === 0 && outDims.at(-1) === labels.length;
  return {
    manifest,
    modelPath,
    labels,
    config: {
      name: manifest.name,
      platform: 'onnxruntime_onnx',
      maxBatchSize: batched ? TRITON_MAX_BATCH_SIZE : 0,
      input: [{ name: input.name, dataType: tritonType(input, 'input'), dims: batched ? item : [input.dims[0] as number, ...item] }],
      output: [{ name: output.name, dataType: tritonType(output, 'output'), dims: batched ? outDims.slice(1) : outDims, ...(withLabels ? { labelFilename: LABELS_FILE } : {}) }],
    },
  };
}

const quote = (s: string) => {
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new PackError('triton', `${JSON.stringify(s)} has control characters, which config.pbtxt cannot hold`, '--triton');
  return `"${s.replace(/[\\"]/g, (m) => `\\${m}`)}"`;
};

/** config.pbtxt (protobuf text format) for a config. */
export function formatTritonConfig(config: TritonConfig, comment?: string): string {
  const tensors = (field: string, list: readonly TritonTensor[]) => [
    `${field} [`,
    list.map((t) => [
      '  {',
      `    name: ${quote(t.name)}`,
      `    data_type: ${t.dataType}`,
      `    dims: [ ${t.dims.join(', ')} ]`,
      ...(t.labelFilename ? [`    label_filename: ${quote(t.labelFilename)}`] : []),
      '  }',
    ].join('\n')).join(',\n'),
    ']',
  ].join('\n');
  return [
    ...(comment ? [`# ${comment.replace(/\n/g, ' ')}`] : []),
    `name: ${quote(config.name)}`,
    `platform: ${quote(config.platform)}`,
    `max_batch_size: ${config.maxBatchSize}`,
    tensors('input', config.input),
    tensors('output', config.output),
    '',
  ].join('\n');
}

/* ---------------------------------------------------------------- reading config.pbtxt back */

/** A protobuf text-format message: every field's values, in order (scalars as strings / numbers). */
export interface TextMessage {
  [field: string]: (string | number | TextMessage)[];
}

/**
 * Parses protobuf text format (the subset Triton configs use: fields, nested messages, [lists], strings,
 * numbers, enum identifiers, # comments).
 * @throws Error naming the token where it fails
 */
export function parseTextProto(text: string): TextMessage {
  const tokens = text.match(/#[^\n]*|"(?:[^"\\\n]|\\.)*"|[{}[\]:,]|[^\s{}[\]:,"#]+/g)?.filter((t) => !t.startsWith('#')) ?? [];
  let at = 0;
  const fail = (what: string) => new Error(`config.pbtxt: ${what} at token ${at + 1} (${JSON.stringify(tokens[at] ?? 'end of file')})`);
  const scalar = (t: string): string | number => {
    if (t.startsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, '$1');
    if (/^-?\d+(\.\d*)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
    if (/^[A-Za-z_][\w.]*$/.test(t)) return t;
    throw fail('not a value');
  };
  const value = (): string | number | TextMessage => {
    const t = tokens[at];
    if (t === undefined) throw fail('missing value');
    at++;
    if (t === '{') return message('}');
    return scalar(t);
  };
  const message = (end: string | undefined): TextMessage => {
    const out: TextMessage = {};
    for (;;) {
      const t = tokens[at];
      if (t === undefined) {
        if (end) throw fail(`missing "${end}"`);
        return out;
      }
      if (t === end) {
        at++;
        return out;
      }
      if (!/^[A-Za-z_]\w*$/.test(t)) throw fail('expected a field name');
      at++;
      if (tokens[at] === ':') at++;
      const list = (out[t] ??= []);
      if (tokens[at] === '[') {
        at++;
        while (tokens[at] !== ']') {
          list.push(value());
          if (tokens[at] === ',') at++;
          else if (tokens[at] !== ']') throw fail('expected "," or "]"');
        }
        at++;
      } else list.push(value());
      if (tokens[at] === ',' || tokens[at] === ';') at++;
    }
  };
  return message(undefined);
}

/** config.pbtxt → TritonConfig. @throws Error when a field Triton needs here is missing or mistyped */
export function parseTritonConfig(text: string): TritonConfig {
  const root = parseTextProto(text);
  const one = (m: TextMessage, field: string): string | number => {
    const v = m[field]?.[0];
    if (v === undefined || typeof v === 'object') throw new Error(`config.pbtxt: ${field} is missing or not a value`);
    return v;
  };
  const tensors = (field: string): TritonTensor[] => (root[field] ?? []).map((t) => {
    if (typeof t !== 'object') throw new Error(`config.pbtxt: ${field} entries must be { ... }`);
    const dims = (t.dims ?? []).map((d) => {
      if (typeof d !== 'number') throw new Error(`config.pbtxt: ${field} dims must be numbers`);
      return d;
    });
    const label = t.label_filename?.[0];
    return { name: String(one(t, 'name')), dataType: String(one(t, 'data_type')), dims, ...(typeof label === 'string' ? { labelFilename: label } : {}) };
  });
  const maxBatchSize = root.max_batch_size ? Number(one(root, 'max_batch_size')) : 0;
  return { name: String(one(root, 'name')), platform: String(one(root, 'platform')), maxBatchSize, input: tensors('input'), output: tensors('output') };
}

/* ---------------------------------------------------------------- write + verify */

/**
 * Writes `<repoDir>/<manifest name>/config.pbtxt`, `1/model.onnx` (a copy of the packed ONNX) and
 * `labels.txt`, then reads the entry back with verifyTritonEntry.
 * @throws PackError when the folder is not a packed ONNX model, or the written entry does not verify
 */
export async function writeTritonEntry(packedDir: string, repoDir: string): Promise<TritonEntry> {
  const { config, manifest, modelPath, labels } = await tritonConfigFor(resolve(packedDir));
  const dir = join(resolve(repoDir), config.name);
  mkdirSync(join(dir, VERSION), { recursive: true });
  copyFileSync(modelPath, join(dir, VERSION, MODEL_FILE));
  const files = [`${VERSION}/${MODEL_FILE}`];
  if (config.output.some((o) => o.labelFilename === LABELS_FILE)) {
    writeFileSync(join(dir, LABELS_FILE), labels.join('\n') + '\n');
    files.push(LABELS_FILE);
  }
  writeFileSync(join(dir, 'config.pbtxt'), formatTritonConfig(config, `${manifest.name}@${manifest.version}, written by inpage-classifier pack --triton`));
  files.unshift('config.pbtxt');
  const verified = await verifyTritonEntry(dir);
  if (!verified.ok) throw new PackError('triton', `the Triton entry in ${dir} does not verify: ${verified.problems.join('; ')}`, '--triton');
  return { dir, config, files, checked: verified.checked };
}

/**
 * Checks a Triton model-repository entry (`<repo>/<name>`): config.pbtxt parses, names the folder,
 * platform onnxruntime_onnx; the highest version folder has model.onnx; every graph input is configured
 * and every configured input / output exists in the graph with the same type and dims (the batch dim
 * dynamic in the graph when max_batch_size > 0); label_filename has one label per class.
 */
export async function verifyTritonEntry(entryDir: string): Promise<VerifyResult> {
  const problems: string[] = [];
  const checked: string[] = [];
  const configPath = join(entryDir, 'config.pbtxt');
  if (!existsSync(configPath)) return { ok: false, problems: [`${configPath} does not exist`], checked };
  let config: TritonConfig;
  try {
    config = parseTritonConfig(readFileSync(configPath, 'utf8'));
    checked.push('config.pbtxt parses');
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)], checked };
  }
  if (config.name !== basename(entryDir)) problems.push(`config.pbtxt name "${config.name}" is not the folder name "${basename(entryDir)}" (Triton requires them equal)`);
  if (config.platform !== 'onnxruntime_onnx') problems.push(`platform "${config.platform}" is not "onnxruntime_onnx"`);
  const versions = readdirSync(entryDir).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const model = versions.map((v) => `${v}/${MODEL_FILE}`).find((p) => existsSync(join(entryDir, p)));
  if (!model) return { ok: false, problems: [...problems, `no <version>/${MODEL_FILE} in ${entryDir}`], checked };
  let io: OnnxIO;
  try {
    io = await readOnnxIO(new Uint8Array(readFileSync(join(entryDir, model))));
  } catch (error) {
    return { ok: false, problems: [...problems, `${model}: ${error instanceof Error ? error.message : String(error)}`], checked };
  }
  const batch = config.maxBatchSize > 0;
  const compare = (kind: 'input' | 'output', t: TritonTensor, graph: readonly OnnxValue[]): void => {
    const value = graph.find((g) => g.name === t.name);
    if (!value) {
      problems.push(`${kind} "${t.name}" is not in ${model} (${kind}s: ${graph.map((g) => g.name).join(', ')})`);
      return;
    }
    if (TRITON_TYPES[value.elemType] !== t.dataType) problems.push(`${kind} "${t.name}" is ${t.dataType}, ${model} has ${TRITON_TYPES[value.elemType] ?? `ONNX type ${value.elemType}`}`);
    const full = batch ? [-1, ...t.dims] : t.dims;
    const dimsOk = full.length === value.dims.length && value.dims.every((d, i) => !fixed(d) || full[i] === -1 || d === full[i]);
    if (!dimsOk) problems.push(`${kind} "${t.name}" dims [${t.dims.join(', ')}]${batch ? ' (+ batch)' : ''} do not fit ${model} ${formatDims(value.dims)}`);
    else if (batch && fixed(value.dims[0]!)) problems.push(`max_batch_size ${config.maxBatchSize} but ${model} ${kind} "${t.name}" has a fixed batch dim ${value.dims[0]}`);
    else checked.push(`${kind} "${t.name}" ${t.dataType} [${t.dims.join(', ')}]${batch ? ` (batch ≤ ${config.maxBatchSize})` : ''} fits ${model} ${formatDims(value.dims)}`);
    if (t.labelFilename) {
      const path = join(entryDir, t.labelFilename);
      const count = existsSync(path) ? readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim()).length : -1;
      if (count < 0) problems.push(`label_filename ${t.labelFilename} does not exist`);
      else if (count !== t.dims.at(-1)) problems.push(`${t.labelFilename} has ${count} labels, output "${t.name}" has ${t.dims.at(-1)} classes`);
      else checked.push(`${t.labelFilename}: ${count} labels`);
    }
  };
  for (const t of config.input) compare('input', t, io.inputs);
  for (const t of config.output) compare('output', t, io.outputs);
  for (const i of io.inputs) if (!config.input.some((t) => t.name === i.name)) problems.push(`${model} input "${i.name}" is not in config.pbtxt`);
  if (!config.output.length) problems.push('config.pbtxt lists no output');
  return { ok: problems.length === 0, problems, checked };
}

/** The entries of a Triton model repository: its sub-folders that hold a config.pbtxt, by name. */
export function tritonEntriesIn(repoDir: string): string[] {
  if (!existsSync(repoDir)) return [];
  return readdirSync(repoDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(repoDir, d.name, 'config.pbtxt')))
    .map((d) => d.name)
    .sort();
}

/**
 * Checks every entry of a Triton model repository (`verifyTritonEntry` on each); each line names its entry.
 * A repository with no entry is a problem (nothing for Triton to serve).
 */
export async function verifyTritonRepository(repoDir: string): Promise<VerifyResult> {
  const names = tritonEntriesIn(repoDir);
  if (names.length === 0) return { ok: false, problems: [`${repoDir} has no model folder with a config.pbtxt (a Triton model repository holds <name>/config.pbtxt)`], checked: [] };
  const problems: string[] = [];
  const checked: string[] = [];
  for (const name of names) {
    const result = await verifyTritonEntry(join(repoDir, name));
    problems.push(...result.problems.map((p) => `${name}: ${p}`));
    checked.push(...result.checked.map((c) => `${name}: ${c}`));
  }
  return { ok: problems.length === 0, problems, checked };
}
