/**
 * `inpage-classifier pack <source> --out <dir>` and `verify <dir>`, and the same
 * as an API (`pack`, `verifyPacked`, `checkPacked`). The mapping from a model
 * folder to a manifest is src/adapters (isomorphic); this file reads the
 * source from disk, writes the packed folder (model files, labels.txt,
 * manifest.json with the SHA-256 and size of every file, validated before it
 * is written), optionally converts a tfjs model to an ONNX twin, runs the
 * packed model on photos in Node (`--check`), and verifies a packed folder.
 * onnxruntime-node, @tensorflow/tfjs and sharp are imported only when used.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adaptSource, formatInferred } from '../adapters/adapt.js';
import { PACK_FLAGS_USAGE, parsePackArgs } from '../adapters/flags.js';
import { formatDims, readOnnxIO } from '../adapters/onnx-graph.js';
import { inspectTfjsModel } from '../adapters/tfjs-model.js';
import { type InferredRow, type PackFlags, PackError, type SourceFiles, type SourceKind } from '../adapters/types.js';
import { validateManifest } from '../manifest/schema.js';
import { applyActivation } from '../postprocess/scores.js';
import { preprocessRgba } from '../preprocess/pipeline.js';
import { channelCount, tensorShape } from '../preprocess/tensor.js';
import type { ModelManifest } from '../types.js';
import { type TritonEntry, tritonEntriesIn, verifyTritonEntry, verifyTritonRepository, writeTritonEntry } from './triton.js';

export { PackError } from '../adapters/types.js';

export interface PackOptions extends PackFlags {
  /** A model folder, or a single .onnx / tfjs .json file (its shards beside it). */
  source: string;
  /** The packed folder to write (created). */
  out: string;
  /** A labels file (one per line): read into `labels`. */
  labelsFile?: string | undefined;
  /** tfjs sources: also write an ONNX twin to `<out>-onnx` (repository checkout only: the converter is in tools/convert). */
  onnxTwin?: boolean | undefined;
  /**
   * ONNX results (the model, or its twin with onnxTwin): also write `<out>-uint8/` with the weights
   * stored as uint8 and dequantised by ORT at session creation (4× smaller download, slower session
   * start; docs/performance.md). Repository checkout only: the quantiser is in tools/convert.
   */
  uint8?: boolean | undefined;
  /** Photos or folders of photos to run the packed model on (top-3 each). */
  check?: readonly string[] | undefined;
  /**
   * A Triton model repository: also write `<triton>/<name>/config.pbtxt` + `1/model.onnx` from the
   * ONNX result (the model, or its twin with onnxTwin; src/node/triton.ts, docs/serving.md).
   */
  triton?: string | undefined;
}

export interface CheckedPhoto {
  file: string;
  top: { label: string; index: number; score: number }[];
}

export interface PackResult {
  kind: SourceKind;
  outDir: string;
  manifest: ModelManifest;
  inferred: InferredRow[];
  /** Files written to outDir (manifest.json included). */
  written: string[];
  warnings: string[];
  twin?: { outDir: string; manifest: ModelManifest } | undefined;
  /** The uint8-weight variant (`uint8`), and how its weights were quantised. */
  uint8?: { outDir: string; manifest: ModelManifest; mode: string } | undefined;
  checks?: CheckedPhoto[] | undefined;
  /** The Triton model-repository entry (`triton`). */
  triton?: TritonEntry | undefined;
}

export interface VerifyResult {
  ok: boolean;
  /** What is wrong, one line each. */
  problems: string[];
  /** What was checked and passed. */
  checked: string[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const SKIP_DIRS = new Set(['node_modules', '.git']);

/** A folder on disk as SourceFiles (recursive, '/'-separated), optionally only the given paths. */
export function folderSource(root: string, only?: readonly string[]): SourceFiles {
  const list: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      const stat = entry.isSymbolicLink() ? statSync(join(root, rel), { throwIfNoEntry: false }) : entry;
      if (!stat) continue;
      if (stat.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) walk(rel);
      } else if (stat.isFile()) list.push(rel);
    }
  };
  if (only) list.push(...only.filter((p) => existsSync(join(root, p))));
  else walk('');
  list.sort();
  return {
    list: () => [...list],
    read: async (path) => new Uint8Array(readFileSync(join(root, ...path.split('/')))),
  };
}

/** The source as SourceFiles: a folder, a single .onnx, or a tfjs model .json plus the shards it names. */
export function openSource(source: string): { root: string; files: SourceFiles; name: string } {
  const path = resolve(source);
  if (!existsSync(path)) throw new PackError('source', `${source} does not exist`);
  if (statSync(path).isDirectory()) return { root: path, files: folderSource(path), name: basename(path) };
  const root = dirname(path);
  const file = basename(path);
  if (file === 'manifest.json') return { root, files: folderSource(root), name: basename(root) };
  if (file.endsWith('.onnx')) return { root, files: folderSource(root, [file]), name: file.replace(/\.onnx$/, '') };
  if (file.endsWith('.json')) {
    let shards: string[] = [];
    try {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { weightsManifest?: { paths?: string[] }[] };
      shards = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []).map((p) => relative(root, join(root, p)).split(sep).join('/'));
    } catch (error) {
      throw new PackError('source', `${source} is not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    return { root, files: folderSource(root, [file, ...shards]), name: file === 'model.json' ? basename(root) : file.replace(/\.json$/, '') };
  }
  throw new PackError('source', `${source} is neither a folder nor an .onnx / tfjs .json file`);
}

export function readLabelsFile(file: string): string[] {
  if (!existsSync(file)) throw new PackError('labels', `labels file ${file} does not exist`, '--labels');
  const labels = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (!labels.length) throw new PackError('labels', `labels file ${file} has no labels (one per line)`, '--labels');
  return labels;
}

/** SHA-256 and byte size of each file (paths relative to `dir`), as a manifest lists them. */
export function hashFiles(dir: string, files: readonly string[]): { sha256: Record<string, string>; bytes: Record<string, number> } {
  const out = { sha256: {} as Record<string, string>, bytes: {} as Record<string, number> };
  for (const f of files) {
    const b = readFileSync(join(dir, f));
    out.sha256[f] = sha256(b);
    out.bytes[f] = b.length;
  }
  return out;
}

function writeManifest(dir: string, manifest: ModelManifest): void {
  // Validated as the runtime will read it (a copy: validation fills defaults we do not write).
  validateManifest(structuredClone(manifest), join(dir, 'manifest.json'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * Packs a model folder into a folder the library loads: model files, labels.txt, manifest.json.
 * @throws PackError for what cannot be mapped (naming the manifest field and the flag)
 */
export async function pack(options: PackOptions): Promise<PackResult> {
  const { source, out, labelsFile, onnxTwin, uint8, check, triton, ...flags } = options;
  const src = openSource(source);
  const outDir = resolve(out);
  if (outDir === src.root) throw new PackError('out', `--out ${out} is the source folder: pack into a new folder`, '--out');
  if (labelsFile) {
    flags.labels = readLabelsFile(labelsFile);
    flags.labelsFrom = `--labels ${basename(labelsFile)}`;
  }
  const adapted = await adaptSource(src.files, { ...flags, sourceName: src.name });
  // Fail before writing anything when the twin cannot be made.
  if (onnxTwin && adapted.manifest.format === 'onnx') throw new PackError('onnx-twin', '--onnx-twin is for tfjs sources; this model is ONNX already', '--onnx-twin');
  const convertFile = onnxTwin ? await loadConverter() : undefined;
  if (uint8 && adapted.manifest.format !== 'onnx' && !onnxTwin) throw new PackError('uint8', '--uint8 quantises an ONNX model: add --onnx-twin for a tfjs source', '--uint8');
  const quantize = uint8 ? await loadQuantizer() : undefined;
  if (triton && adapted.manifest.format !== 'onnx' && !onnxTwin) throw new PackError('triton', `--triton writes an ONNX model for Triton's onnxruntime backend; this model is ${adapted.manifest.format}: add --onnx-twin (the entry is made from the twin)`, '--triton');
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const from of adapted.files) {
    const to = adapted.targets[from]!;
    if (to === 'manifest.json' || to === 'labels.txt') throw new PackError('files.model', `${from} would overwrite the packed ${to}`);
    mkdirSync(dirname(join(outDir, to)), { recursive: true });
    copyFileSync(join(src.root, ...from.split('/')), join(outDir, to));
    written.push(to);
  }
  writeFileSync(join(outDir, 'labels.txt'), adapted.labels.join('\n') + '\n');
  written.push('labels.txt');
  const { manifest: draft } = adapted;
  const { sha256: hashes, bytes } = hashFiles(outDir, written);
  const { name, version, description, format, files, input, output, labels } = draft;
  const manifest: ModelManifest = { name, version, ...(description !== undefined ? { description } : {}), format, files, sha256: hashes, bytes, input, output, labels };
  writeManifest(outDir, manifest);
  written.push('manifest.json');
  const result: PackResult = { kind: adapted.kind, outDir, manifest, inferred: adapted.inferred, written, warnings: adapted.warnings };
  if (convertFile) result.twin = await writeOnnxTwin(outDir, manifest, convertFile);
  if (quantize) result.uint8 = writeUint8Variant(result.twin?.outDir ?? outDir, result.twin?.manifest ?? manifest, quantize);
  if (check?.length) result.checks = await checkPacked(outDir, check);
  if (triton) result.triton = await writeTritonEntry(result.twin?.outDir ?? outDir, triton);
  return result;
}

/* ---------------------------------------------------------- uint8 variant */

type Quantize = (bytes: Uint8Array, options: { fallback: 'per-channel' }) => { bytes: Uint8Array; report: { fallback: string; tensors: unknown[] } };

async function loadQuantizer(): Promise<Quantize> {
  // Like the converter: tools/convert is in a repository checkout only (TypeScript, run with tsx).
  const url = new URL('../../tools/convert/uint8-weights.ts', import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    throw new PackError('uint8', '--uint8 needs the quantiser in tools/convert, which is only in a repository checkout (not in the npm package): run pack from a clone with tsx', '--uint8');
  }
  try {
    return ((await import(/* @vite-ignore */ url.href)) as { quantizeWeightsUint8: Quantize }).quantizeWeightsUint8;
  } catch (error) {
    throw new PackError('uint8', `--uint8: the quantiser in tools/convert could not be loaded from plain Node (run pack with tsx from the repository): ${error instanceof Error ? error.message : String(error)}`, '--uint8');
  }
}

/** `<dir>-uint8/`: the ONNX model with uint8-stored weights (per output channel where no better grid is known), labels, manifest. */
function writeUint8Variant(dir: string, source: ModelManifest, quantize: Quantize): { outDir: string; manifest: ModelManifest; mode: string } {
  const outDir = `${dir.replace(/[\\/]+$/, '')}-uint8`;
  mkdirSync(outDir, { recursive: true });
  const { bytes, report } = quantize(new Uint8Array(readFileSync(join(dir, source.files.model))), { fallback: 'per-channel' });
  writeFileSync(join(outDir, 'model.onnx'), bytes);
  copyFileSync(join(dir, 'labels.txt'), join(outDir, 'labels.txt'));
  const written = ['model.onnx', 'labels.txt'];
  const { sha256: hashes, bytes: sizes } = hashFiles(outDir, written);
  const mode = `uint8 weights, ${report.fallback} (${report.tensors.length} tensors)`;
  const manifest: ModelManifest = {
    ...source, name: `${source.name}-uint8`, description: `${source.name}@${source.version} with ${mode}, dequantised by ORT at session creation`,
    files: { model: 'model.onnx' }, sha256: hashes, bytes: sizes, labels: 'labels.txt',
  };
  writeManifest(outDir, manifest);
  return { outDir, manifest, mode };
}

/* ---------------------------------------------------------------- ONNX twin */

type ConvertFile = (modelJsonPath: string, outPath: string) => Promise<number>;

async function loadConverter(): Promise<ConvertFile> {
  // tools/convert is outside src/ (not compiled into dist, not in the npm package): usable from a repository checkout.
  const url = new URL('../../tools/convert-cli.ts', import.meta.url);
  if (url.protocol !== 'file:' || !existsSync(fileURLToPath(url))) {
    throw new PackError('onnx-twin', '--onnx-twin needs the tfjs→ONNX converter in tools/convert, which is only in a repository checkout (it is not part of the npm package): run pack from a clone (npx tsx src/node/bin.ts pack ...), or convert there with npm run convert -- model.json model.onnx', '--onnx-twin');
  }
  try {
    const mod = (await import(/* @vite-ignore */ url.href)) as { convertFile: ConvertFile };
    return mod.convertFile;
  } catch (error) {
    throw new PackError('onnx-twin', `--onnx-twin: the converter in tools/convert could not be loaded from plain Node (it is TypeScript; run pack with tsx from the repository): ${error instanceof Error ? error.message : String(error)}`, '--onnx-twin');
  }
}

async function writeOnnxTwin(dir: string, source: ModelManifest, convertFile: ConvertFile): Promise<{ outDir: string; manifest: ModelManifest }> {
  const outDir = `${dir.replace(/[\\/]+$/, '')}-onnx`;
  mkdirSync(outDir, { recursive: true });
  await convertFile(join(dir, source.files.model), join(outDir, 'model.onnx'));
  copyFileSync(join(dir, 'labels.txt'), join(outDir, 'labels.txt'));
  const io = await readOnnxIO(new Uint8Array(readFileSync(join(outDir, 'model.onnx'))));
  const manifest: ModelManifest = {
    ...source,
    name: `${source.name}-onnx`,
    description: `ONNX twin of ${source.name}@${source.version}, converted by tools/convert (same weights, same preprocessing)`,
    format: 'onnx',
    files: { model: 'model.onnx' },
    ...hashFiles(outDir, ['model.onnx', 'labels.txt']),
    input: { ...source.input, name: io.inputs[0]?.name ?? 'input' },
    output: { ...source.output, name: io.outputs[0]?.name ?? 'probabilities' },
  };
  writeManifest(outDir, manifest);
  return { outDir, manifest };
}

/* ---------------------------------------------------------------- running the model in Node */

async function importOptional<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ name)) as T;
  } catch (error) {
    throw new Error(`${why} needs the package ${name}: npm install --save-dev ${name} (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
}

interface NodeModel {
  /** Raw model output for one tensor (before activation). */
  run(tensor: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

interface OrtNode {
  InferenceSession: { create(path: string, options?: object): Promise<{ inputNames: readonly string[]; outputNames: readonly string[]; run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>>; release(): Promise<void> }> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

type Tf = typeof import('@tensorflow/tfjs-core');
type TfLoaders = { loadLayersModel: typeof import('@tensorflow/tfjs-layers').loadLayersModel; loadGraphModel: typeof import('@tensorflow/tfjs-converter').loadGraphModel };

/** tfjs-core on its CPU backend (pure JS in Node), with the two model loaders: the same modular packages the page engine uses. */
async function loadTfjs(why: string): Promise<Tf & TfLoaders> {
  const pick = <T extends object>(mod: T & { default?: T }, probe: string): T => (probe in mod ? mod : mod.default!);
  const tf = pick(await importOptional<Tf & { default?: Tf }>('@tensorflow/tfjs-core', why), 'setBackend');
  await importOptional('@tensorflow/tfjs-backend-cpu', why);
  const { loadLayersModel } = pick(await importOptional<typeof import('@tensorflow/tfjs-layers') & { default?: typeof import('@tensorflow/tfjs-layers') }>('@tensorflow/tfjs-layers', why), 'loadLayersModel');
  const { loadGraphModel } = pick(await importOptional<typeof import('@tensorflow/tfjs-converter') & { default?: typeof import('@tensorflow/tfjs-converter') }>('@tensorflow/tfjs-converter', why), 'loadGraphModel');
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  return Object.assign(Object.create(tf) as Tf, { loadLayersModel, loadGraphModel });
}

async function loadNodeModel(dir: string, manifest: ModelManifest, why: string): Promise<NodeModel> {
  const shape = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  if (manifest.format === 'onnx') {
    const mod = await importOptional<OrtNode & { default?: OrtNode }>('onnxruntime-node', why);
    const ort = mod.InferenceSession ? mod : mod.default!;
    const session = await ort.InferenceSession.create(join(dir, manifest.files.model), { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    const inputName = manifest.input.name ?? session.inputNames[0]!;
    const outputName = manifest.output.name ?? session.outputNames[0]!;
    return {
      async run(tensor) {
        const out = await session.run({ [inputName]: new ort.Tensor('float32', tensor, shape) });
        return Float32Array.from(out[outputName]!.data as Float32Array);
      },
      dispose: () => session.release(),
    };
  }
  const tf = await loadTfjs(why);
  const modelJson = JSON.parse(readFileSync(join(dir, manifest.files.model), 'utf8')) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
  const base = dirname(join(dir, manifest.files.model));
  const shards = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(base, p)));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g.weights) as import('@tensorflow/tfjs-core').io.WeightsManifestEntry[];
  const handler = tf.io.fromMemory({ ...(modelJson as object), weightSpecs, weightData } as import('@tensorflow/tfjs-core').io.ModelArtifacts);
  const model = manifest.format === 'tfjs-graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  return {
    async run(tensor) {
      const y = tf.tidy(() => {
        const out = model.predict(tf.tensor(tensor, shape));
        const list = Array.isArray(out) ? out : out instanceof tf.Tensor ? [out] : Object.values(out);
        return list[0]!.clone();
      });
      const data = Float32Array.from(await y.data());
      y.dispose();
      return data;
    },
    async dispose() {
      model.dispose();
    },
  };
}

const IMAGE_EXT = /\.(jpe?g|png|webp|gif|avif|tiff?|bmp)$/i;

function photoFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`--check: ${p} does not exist`);
    if (statSync(p).isDirectory()) out.push(...readdirSync(p).filter((f) => IMAGE_EXT.test(f)).sort().map((f) => join(p, f)));
    else out.push(p);
  }
  return out;
}

type Sharp = (input: string, options?: { failOn?: string; ignoreIcc?: boolean; autoOrient?: boolean }) => { ensureAlpha(): { raw(): { toBuffer(o: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> } } };

/** Full-size straight RGBA of a photo, oriented as the manifest says (sharp). */
export async function decodeRgba(file: string, manifest: Pick<ModelManifest, 'input'>): Promise<{ data: Uint8Array; width: number; height: number }> {
  const mod = await importOptional<{ default: Sharp }>('sharp', '--check (image decoding)');
  const sharp = mod.default;
  const { data, info } = await sharp(file, { failOn: 'none', autoOrient: manifest.input.orientation !== 'ignore', ignoreIcc: manifest.input.colorProfile === 'ignore' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 4) throw new Error(`${file}: decoded to ${info.channels} channels, expected RGBA`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

function readLabels(dir: string, manifest: ModelManifest): string[] {
  return typeof manifest.labels === 'string' ? readFileSync(join(dir, manifest.labels), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0) : manifest.labels;
}

/** Runs a packed model on photos in Node (onnxruntime-node / tfjs CPU; sharp decodes) and returns the top-3 of each. */
export async function checkPacked(dir: string, photos: readonly string[], topK = 3): Promise<CheckedPhoto[]> {
  const manifest = validateManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), join(dir, 'manifest.json'));
  const labels = readLabels(dir, manifest);
  const files = photoFiles(photos);
  if (!files.length) throw new Error(`--check: no photos in ${photos.join(', ')}`);
  const model = await loadNodeModel(dir, manifest, '--check');
  const offset = manifest.output.labelOffset ?? 0;
  const results: CheckedPhoto[] = [];
  try {
    for (const file of files) {
      const img = await decodeRgba(file, manifest);
      const tensor = preprocessRgba(img.data, img.width, img.height, manifest.input, [255, 255, 255]);
      const scores = applyActivation(await model.run(tensor), manifest.output.activation).subarray(offset);
      const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, topK);
      results.push({ file, top: order.map((i) => ({ label: labels[i] ?? `#${i}`, index: i, score: scores[i]! })) });
    }
  } finally {
    await model.dispose();
  }
  return results;
}

/* ---------------------------------------------------------------- verify */

/** Checks a packed folder in Node: hashes, sizes, input shape vs manifest, label count vs output size. */
export async function verifyPacked(dir: string): Promise<VerifyResult> {
  const problems: string[] = [];
  const checked: string[] = [];
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return { ok: false, problems: [`${manifestPath} does not exist`], checked };
  let manifest: ModelManifest;
  try {
    manifest = validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
    checked.push('manifest.json is valid');
  } catch (error) {
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)], checked };
  }
  for (const [file, hash] of Object.entries(manifest.sha256)) {
    const path = join(dir, file);
    if (!existsSync(path)) {
      problems.push(`${file}: missing (listed in sha256)`);
      continue;
    }
    const bytes = readFileSync(path);
    if (sha256(bytes) !== hash.toLowerCase()) problems.push(`${file}: sha256 is ${sha256(bytes)}, manifest says ${hash}`);
    else checked.push(`${file}: sha256 ok`);
    const size = manifest.bytes?.[file];
    if (size !== undefined && size !== bytes.length) problems.push(`${file}: ${bytes.length} bytes, manifest says ${size}`);
  }
  for (const file of Object.keys(manifest.bytes ?? {})) if (!(file in manifest.sha256)) problems.push(`bytes["${file}"] has no sha256`);
  let labels: string[] = [];
  try {
    labels = readLabels(dir, manifest);
  } catch (error) {
    problems.push(`labels: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { size: [h, w], layout, channels } = manifest.input;
  const c = channelCount(channels);
  const expected = layout === 'NCHW' ? [c, h, w] : [h, w, c];
  const compareShape = (dims: readonly (number | string | null)[], what: string) => {
    if (dims.length !== 4) {
      problems.push(`${what} ${formatDims(dims)} is not rank 4`);
      return;
    }
    const bad = dims.slice(1).some((d, i) => typeof d === 'number' && d !== expected[i]);
    if (bad) problems.push(`${what} ${formatDims(dims)} does not take the manifest's ${layout} ${h}x${w} ${channels} ([N, ${expected.join(', ')}])`);
    else checked.push(`${what} ${formatDims(dims)} takes ${layout} ${h}x${w} ${channels}`);
  };
  let outputSize: number | undefined;
  let outputFrom = '';
  const modelPath = join(dir, manifest.files.model);
  if (!existsSync(modelPath)) return { ok: false, problems: [...problems, `${manifest.files.model}: missing`], checked };
  if (manifest.format === 'onnx') {
    try {
      const io = await readOnnxIO(new Uint8Array(readFileSync(modelPath)));
      const input = manifest.input.name ? io.inputs.find((i) => i.name === manifest.input.name) : io.inputs[0];
      const output = manifest.output.name ? io.outputs.find((o) => o.name === manifest.output.name) : io.outputs[0];
      if (!input) problems.push(`${manifest.files.model} has no input "${manifest.input.name ?? ''}" (inputs: ${io.inputs.map((i) => i.name).join(', ')})`);
      else {
        if (input.elemType !== 1) problems.push(`${manifest.files.model} input "${input.name}" is not float32`);
        compareShape(input.dims, `${manifest.files.model} input "${input.name}"`);
      }
      if (!output) problems.push(`${manifest.files.model} has no output "${manifest.output.name ?? ''}" (outputs: ${io.outputs.map((o) => o.name).join(', ')})`);
      else if (output.dims.slice(1).every((d) => typeof d === 'number')) {
        outputSize = (output.dims.slice(1) as number[]).reduce((a, b) => a * b, 1);
        outputFrom = `${manifest.files.model} output "${output.name}" ${formatDims(output.dims)}`;
      }
    } catch (error) {
      problems.push(`${manifest.files.model}: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    try {
      const info = inspectTfjsModel(JSON.parse(readFileSync(modelPath, 'utf8')), manifest.files.model);
      if ((info.format === 'tfjs-graph') !== (manifest.format === 'tfjs-graph')) problems.push(`${manifest.files.model} is a ${info.format} model, manifest format says ${manifest.format}`);
      if (info.inputShape) compareShape(info.inputShape, `${manifest.files.model} input`);
      const base = dirname(manifest.files.model);
      for (const shard of info.shards) {
        const rel = base === '.' ? shard : `${base}/${shard}`;
        if (!(rel in manifest.sha256)) problems.push(`weight shard ${rel} has no sha256 in the manifest`);
      }
      if (info.outputSize !== undefined) {
        outputSize = info.outputSize;
        outputFrom = info.outputSizeFrom;
      }
    } catch (error) {
      problems.push(`${manifest.files.model}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (outputSize === undefined && !problems.length) {
    // Not written down in the graph: run it once on zeros.
    try {
      const model = await loadNodeModel(dir, manifest, 'verify (the output size is not in the graph, so the model is run once)');
      try {
        outputSize = (await model.run(new Float32Array(h * w * c))).length;
        outputFrom = `${manifest.files.model} run on a zero image`;
      } finally {
        await model.dispose();
      }
    } catch (error) {
      problems.push(`output size: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (outputSize !== undefined && labels.length) {
    const offset = manifest.output.labelOffset ?? 0;
    if (labels.length + offset !== outputSize) problems.push(`${labels.length} labels${offset ? ` + labelOffset ${offset}` : ''} but ${outputFrom} has ${outputSize} outputs`);
    else checked.push(`${labels.length} labels${offset ? ` + labelOffset ${offset}` : ''} = ${outputSize} outputs (${outputFrom})`);
  }
  return { ok: problems.length === 0, problems, checked };
}

/* ---------------------------------------------------------------- the commands */

export const PACK_USAGE = `usage: inpage-classifier pack <source> --out <dir> [flags]
       inpage-classifier pack <packed dir> --triton <repoDir>   (a Triton entry for a packed ONNX folder, nothing repacked)
       inpage-classifier verify <dir>   (a packed folder, a Triton entry <repo>/<name>, or a whole Triton repository)

<source>: a Hugging Face / transformers.js folder (config.json, preprocessor_config.json, onnx/model.onnx),
a Teachable Machine image export (model.json, weights.bin, metadata.json), a tfjs model (folder or model.json),
a bare .onnx file, or a packed folder (manifest.json). Writes <dir>/manifest.json (sha256 and bytes of every
file), labels.txt and the model files, and prints what was inferred from where. Flags override what was read.
  --onnx-twin           tfjs sources: also write <dir>-onnx/ (repository checkout only)
  --uint8               ONNX results: also write <dir>-uint8/ with uint8-stored weights (repository checkout only)
  --check <photos...>   run the packed model on photos (or folders) in Node and print the top-3
  --triton <repoDir>    also write a Triton model-repository entry: <repoDir>/<name>/config.pbtxt + 1/model.onnx
                        (ONNX results: the model, or its --onnx-twin; names and dims from the graph)
${PACK_FLAGS_USAGE}`;

type Log = (line: string) => void;

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `pack ...` as the CLI runs it. @returns the exit code */
export async function runPack(argv: readonly string[], log: Log = console.log, logError: Log = console.error): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    log(PACK_USAGE);
    return 0;
  }
  let args;
  let triton: string | undefined;
  try {
    const taken = takeTriton(argv);
    triton = taken.triton;
    args = parsePackArgs(taken.rest);
  } catch (error) {
    logError(`inpage-classifier pack: ${describeError(error)}\n\n${PACK_USAGE}`);
    return 2;
  }
  const [source, ...extra] = args.positional;
  const onlyTriton = !Object.keys(args.flags).length && !args.labelsFile && !args.onnxTwin && !args.uint8 && !args.check.length;
  if (source && !extra.length && !args.out && triton && onlyTriton) {
    // Standalone: a Triton entry for an already packed ONNX folder, nothing repacked.
    try {
      logTriton(await writeTritonEntry(source, triton), log);
      return 0;
    } catch (error) {
      logError(`inpage-classifier pack: ${describeError(error)}`);
      return 1;
    }
  }
  if (!source || extra.length || !args.out) {
    logError(`inpage-classifier pack: ${!source ? 'needs a source folder or file' : extra.length ? `unexpected argument "${extra[0]}"` : 'needs --out <dir>'}\n\n${PACK_USAGE}`);
    return 2;
  }
  try {
    const result = await pack({ ...args.flags, source, out: args.out, labelsFile: args.labelsFile, onnxTwin: args.onnxTwin, uint8: args.uint8, check: args.check, triton });
    log(formatInferred(result.inferred));
    for (const w of result.warnings) log(`warning: ${w}`);
    log(`\ninpage-classifier pack: wrote ${result.written.length} files to ${result.outDir} (${result.manifest.format}, ${result.manifest.input.size[0]}x${result.manifest.input.size[1]} ${result.manifest.input.layout}, ${typeof result.manifest.labels === 'string' ? 'labels.txt' : 'inline labels'})`);
    if (result.twin) log(`inpage-classifier pack: ONNX twin in ${result.twin.outDir}`);
    if (result.uint8) log(`inpage-classifier pack: uint8-weight variant in ${result.uint8.outDir} (${result.uint8.mode})`);
    if (result.triton) logTriton(result.triton, log);
    for (const c of result.checks ?? []) {
      log(`${basename(c.file)}: ${c.top.map((t) => `${t.label} ${(t.score * 100).toFixed(1)}%`).join(' | ')}`);
    }
    return 0;
  } catch (error) {
    logError(`inpage-classifier pack: ${describeError(error)}`);
    return 1;
  }
}

/** `--triton <dir>` / `--triton=<dir>` out of argv (the other flags are src/adapters/flags.ts's). */
function takeTriton(argv: readonly string[]): { triton: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let triton: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg !== '--triton' && !arg.startsWith('--triton=')) {
      rest.push(arg);
      continue;
    }
    const value = arg.startsWith('--triton=') ? arg.slice('--triton='.length) : argv[++i];
    if (!value || value.startsWith('--')) throw new PackError('triton', '--triton needs a model repository folder', '--triton');
    triton = value;
  }
  return { triton, rest };
}

function logTriton(entry: TritonEntry, log: Log): void {
  log(`inpage-classifier pack: Triton entry in ${entry.dir} (${entry.files.join(', ')}; max_batch_size ${entry.config.maxBatchSize}, input "${entry.config.input[0]?.name ?? ''}" [${entry.config.input[0]?.dims.join(', ') ?? ''}], output "${entry.config.output[0]?.name ?? ''}" [${entry.config.output[0]?.dims.join(', ') ?? ''}])`);
}

/**
 * What `verify` checks, by what the folder holds: a Triton entry (config.pbtxt), a Triton
 * repository (no manifest.json, sub-folders with config.pbtxt: every entry), else a packed folder.
 */
async function verifyAny(dir: string): Promise<{ kind: string; result: VerifyResult }> {
  if (existsSync(join(dir, 'config.pbtxt'))) return { kind: 'a Triton model-repository entry', result: await verifyTritonEntry(dir) };
  if (!existsSync(join(dir, 'manifest.json'))) {
    const entries = tritonEntriesIn(dir);
    if (entries.length > 0) return { kind: `a Triton model repository: ${entries.join(', ')}`, result: await verifyTritonRepository(dir) };
  }
  return { kind: 'a packed folder', result: await verifyPacked(dir) };
}

/** `verify <dir>` as the CLI runs it. @returns the exit code */
export async function runVerify(argv: readonly string[], log: Log = console.log, logError: Log = console.error): Promise<number> {
  const [dir, ...extra] = argv;
  if (!dir || extra.length || dir.startsWith('--')) {
    logError(`inpage-classifier verify: needs one packed folder\n\n${PACK_USAGE}`);
    return 2;
  }
  const { kind, result } = await verifyAny(resolve(dir));
  for (const line of result.checked) log(`ok: ${line}`);
  for (const line of result.problems) logError(`problem: ${line}`);
  log(result.ok ? `inpage-classifier verify: ${dir} is ok (${kind})` : `inpage-classifier verify: ${result.problems.length} problem(s) in ${dir} (${kind})`);
  return result.ok ? 0 : 1;
}
