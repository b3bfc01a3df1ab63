/**
 * A packed model opened in Node for `classify`: the manifest read from disk
 * and checked as the page checks it (validateManifest, every file against its
 * sha256, an HTML page or Git LFS pointer named as such), the labels, and an
 * onnxruntime-node session (an optional peer, imported only here). One
 * warm-up run on zeros checks that the output count fits the labels, as the
 * page's load does. tfjs manifests are refused with the ONNX twin to use.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ClassifierError, describeError } from '../errors.js';
import { sniffWrongContent } from '../manifest/fetch.js';
import { validateManifest } from '../manifest/schema.js';
import { tensorShape } from '../preprocess/tensor.js';
import type { ModelManifest } from '../types.js';

const PACK = 'npx inpage-classifier pack <folder> --out <dir>';

/** A packed model folder read and verified from disk. */
export interface ModelOnDisk {
  /** The folder the manifest's file names are relative to. */
  dir: string;
  manifestPath: string;
  manifest: ModelManifest;
  labels: string[];
  /** The verified model file (an ONNX graph). */
  modelBytes: Uint8Array;
  /** `name@version`. */
  id: string;
}

/** Raw model output (before the activation) for one preprocessed tensor. */
export interface NodeSession {
  run(tensor: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** An optional peer dependency, or ENGINE_UNAVAILABLE with the install command. */
export async function importPeer<T>(name: string, why: string): Promise<T> {
  try {
    return (await import(/* @vite-ignore */ name)) as T;
  } catch (error) {
    throw new ClassifierError('ENGINE_UNAVAILABLE', `${why} needs the package ${name}, which is an optional peer dependency: npm install ${name} (${describeError(error).split('\n')[0]})`, {
      cause: error, details: { package: name },
    });
  }
}

function manifestPathOf(model: string): string {
  const path = resolve(model);
  if (!existsSync(path)) throw new ClassifierError('MODEL_LOAD_FAILED', `--model ${model} does not exist (give a packed model folder or its manifest.json)`, { details: { path } });
  if (statSync(path).isDirectory()) {
    const manifest = join(path, 'manifest.json');
    if (!existsSync(manifest)) {
      throw new ClassifierError('MANIFEST_INVALID', `${model} has no manifest.json: give a packed model folder. Pack a raw model folder first: \`${PACK}\`.`, { details: { field: '(root)', path } });
    }
    return manifest;
  }
  if (path.toLowerCase().endsWith('.onnx')) {
    throw new ClassifierError('MANIFEST_INVALID', `${model} is a bare ONNX model: its preprocessing (input size, resize, mean/std) and labels are not known. Describe it with a manifest: \`${PACK}\` (flags set what the file does not say), then pass <dir>.`, {
      details: { field: '(root)', path },
    });
  }
  return path;
}

/** The ONNX twin a tfjs model may have beside it (`<dir>-onnx/manifest.json`, what `pack --onnx-twin` writes). */
function onnxTwinOf(dir: string): string | undefined {
  const twin = join(dirname(dir), `${basename(dir)}-onnx`, 'manifest.json');
  return existsSync(twin) ? twin : undefined;
}

function readVerified(dir: string, manifest: ModelManifest, file: string): Uint8Array {
  const path = join(dir, file);
  if (!existsSync(path)) throw new ClassifierError('MODEL_LOAD_FAILED', `${path} is missing (the manifest names it)`, { details: { path } });
  const bytes = new Uint8Array(readFileSync(path));
  const wrong = bytes.byteLength === 0 ? 'empty (0 bytes)' : sniffWrongContent(bytes);
  if (wrong) throw new ClassifierError('MODEL_LOAD_FAILED', `${path} is ${wrong}, not a model file.`, { details: { path } });
  const expected = manifest.sha256[file]!.toLowerCase();
  const actual = sha256(bytes);
  if (actual !== expected) {
    throw new ClassifierError('MODEL_INTEGRITY', `${path} does not match the manifest's sha256 (expected ${expected}, got ${actual}, ${bytes.byteLength} bytes); refusing to run an unverified model.`, {
      details: { path, expected, actual },
    });
  }
  return bytes;
}

/**
 * Reads and verifies a packed model: `model` is its folder or its manifest.json.
 * @throws ClassifierError MODEL_LOAD_FAILED, MANIFEST_INVALID, MODEL_INTEGRITY, or ENGINE_UNAVAILABLE for a tfjs model (naming its ONNX twin)
 */
export function readModel(model: string): ModelOnDisk {
  const manifestPath = manifestPathOf(model);
  const dir = dirname(manifestPath);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new ClassifierError('MANIFEST_INVALID', `Manifest ${manifestPath} is not valid JSON: ${describeError(error)}`, { cause: error, details: { field: '(root)', path: manifestPath } });
  }
  const manifest = validateManifest(json, manifestPath);
  if (manifest.format !== 'onnx') {
    const twin = onnxTwinOf(dir);
    const use = twin
      ? `its ONNX twin is at ${twin}: use that (--model / options.model)`
      : `make an ONNX twin (same weights, same preprocessing) from a repository checkout: npx tsx src/node/bin.ts pack ${dir} --out <dir> --onnx-twin, then use <dir>-onnx (--model / options.model)`;
    throw new ClassifierError('ENGINE_UNAVAILABLE', `${manifestPath} is a ${manifest.format} model; classify in Node runs ONNX models (onnxruntime-node) only: ${use}.`, {
      details: { engine: 'tfjs', format: manifest.format, ...(twin ? { onnxTwin: twin } : {}) },
    });
  }
  const modelBytes = readVerified(dir, manifest, manifest.files.model);
  const labels = Array.isArray(manifest.labels)
    ? manifest.labels
    : new TextDecoder().decode(readVerified(dir, manifest, manifest.labels)).split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return { dir, manifestPath, manifest, labels, modelBytes, id: `${manifest.name}@${manifest.version}` };
}

interface OrtTensor {
  data: unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtNode {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** onnxruntime-node intra-op threads. @defaultValue onnxruntime's own (the physical cores) */
  threads?: number | undefined;
}

/**
 * An onnxruntime-node CPU session on the verified model bytes, checked with one
 * run on zeros: the manifest's input and output names exist, and the output
 * count is the labels plus `labelOffset`.
 * @throws ClassifierError ENGINE_UNAVAILABLE (onnxruntime-node missing) or MODEL_LOAD_FAILED
 */
export async function openSession(model: ModelOnDisk, options: SessionOptions = {}): Promise<NodeSession> {
  const mod = await importPeer<OrtNode & { default?: OrtNode }>('onnxruntime-node', 'classify (ONNX inference in Node)');
  const ort = mod.InferenceSession ? mod : mod.default!;
  const { input, output } = model.manifest;
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(model.modelBytes, {
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
  } catch (error) {
    throw new ClassifierError('MODEL_LOAD_FAILED', `onnxruntime-node could not load ${join(model.dir, model.manifest.files.model)}: ${describeError(error)}`, { cause: error });
  }
  const inputName = input.name ?? session.inputNames[0]!;
  const outputName = output.name ?? session.outputNames[0]!;
  const fail = (message: string) => new ClassifierError('MODEL_LOAD_FAILED', `${model.manifestPath}: ${message}`, { details: { path: model.manifestPath } });
  if (!session.inputNames.includes(inputName)) throw fail(`the model has no input "${inputName}" (inputs: ${session.inputNames.join(', ')})`);
  if (!session.outputNames.includes(outputName)) throw fail(`the model has no output "${outputName}" (outputs: ${session.outputNames.join(', ')})`);
  const shape = tensorShape(input.size, input.layout, input.channels);
  const run = async (tensor: Float32Array) => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', tensor, shape) });
    const data = out[outputName]?.data;
    if (!(data instanceof Float32Array)) throw new ClassifierError('INFERENCE_FAILED', `output "${outputName}" is not float32`);
    return data;
  };
  try {
    const outputs = (await run(new Float32Array(shape.reduce((a, b) => a * b, 1)))).length;
    const offset = output.labelOffset ?? 0;
    if (outputs !== model.labels.length + offset) {
      throw fail(`the model has ${outputs} outputs but the manifest has ${model.labels.length} labels${offset ? ` + labelOffset ${offset}` : ''}`);
    }
  } catch (error) {
    await session.release();
    if (error instanceof ClassifierError) throw error;
    throw fail(`a run on a zero ${input.layout} [${shape.join(', ')}] tensor failed (does the model take the manifest's input?): ${describeError(error)}`);
  }
  return {
    async run(tensor) {
      try {
        return await run(tensor);
      } catch (error) {
        if (error instanceof ClassifierError) throw error;
        throw new ClassifierError('INFERENCE_FAILED', `onnxruntime-node: ${describeError(error)}`, { cause: error });
      }
    },
    release: () => session.release(),
  };
}
