/**
 * The "server model": onnxruntime-node (CPU) + server-style preprocessing,
 * driven by the same manifest the browser library reads.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { validateManifest } from '../../src/manifest/schema.js';
import { applyActivation, topK } from '../../src/postprocess/scores.js';
import { tensorShape } from '../../src/preprocess/tensor.js';
import type { Category, ModelManifest } from '../../src/types.js';
import { serverPreprocess, type ServerPreprocessOptions } from './preprocess.js';

export interface ServerPrediction {
  top: Category[];
  scores: Float32Array;
  tensor: Float32Array;
}

/** What the session feeds and reads, for protocol servers (tools/serve-model.ts V2 / TF Serving). */
export interface ServerModelIO {
  /** The graph input fed (manifest.input.name, else the session's first input). */
  input: string;
  /** The graph output read (manifest.output.name, else the session's first output). */
  output: string;
  /** One image's tensor dims without the batch: [C, H, W] (NCHW) or [H, W, C] (NHWC), from the manifest. */
  itemShape: [number, number, number];
  /** Scores per image: the session's output metadata when it is fixed, else labels (+ labelOffset). */
  classes: number;
}

export interface ServerModel {
  manifest: ModelManifest;
  labels: string[];
  runtime: { name: 'onnxruntime-node'; version: string };
  io: ServerModelIO;
  /** Probabilities for a model-ready tensor (one image): `predictTensor(tensor, 1)[0]`. */
  runTensor(tensor: Float32Array): Promise<Float32Array>;
  /**
   * Runs the model on `batch` images' model-ready tensors, row-major, `batch × itemShape`
   * (no preprocessing), and applies the manifest's output activation per image.
   * @returns one score array per image
   * @throws Error when the tensor length is not batch × the item size
   */
  predictTensor(tensor: Float32Array, batch: number): Promise<Float32Array[]>;
  /**
   * The model's raw output rows for `batch` model-ready tensors, no activation: what an
   * inference server (Triton, KServe, TF Serving) answers; its client applies the activation.
   */
  outputTensor(tensor: Float32Array, batch: number): Promise<Float32Array[]>;
  predict(image: Buffer | string, topKCount?: number): Promise<ServerPrediction>;
  release(): Promise<void>;
}

/** @param manifestPath - a local manifest.json whose model has format "onnx"; or pass `manifest` + `modelPath`. */
export async function loadServerModel(manifestPath: string, options: { threads?: number; preprocess?: ServerPreprocessOptions; manifest?: ModelManifest; modelPath?: string } = {}): Promise<ServerModel> {
  const manifest = options.manifest ?? validateManifest(JSON.parse(readFileSync(manifestPath, 'utf8')), manifestPath);
  if (manifest.format !== 'onnx') throw new Error(`${manifestPath}: the server model runs ONNX; this manifest is ${manifest.format} (use its -onnx twin)`);
  const dir = dirname(manifestPath);
  const labels = Array.isArray(manifest.labels) ? manifest.labels : readFileSync(join(dir, manifest.labels), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const session = await ort.InferenceSession.create(options.modelPath ?? join(dir, manifest.files.model), {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? 1,
  });
  const inputName = manifest.input.name ?? session.inputNames[0]!;
  const outputName = manifest.output.name ?? session.outputNames[0]!;
  const [, ...itemShape] = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  const itemSize = itemShape.reduce((a, b) => a * b, 1);
  const meta = session.outputMetadata.find((m) => m.name === outputName);
  const fixed = meta?.isTensor ? meta.shape.slice(1) : [];
  const classes = fixed.length > 0 && fixed.every((d): d is number => typeof d === 'number' && d > 0) ? fixed.reduce((a, b) => a * b, 1) : labels.length + (manifest.output.labelOffset ?? 0);
  const outputTensor = async (tensor: Float32Array, batch: number) => {
    if (!Number.isInteger(batch) || batch < 1 || tensor.length !== batch * itemSize) {
      throw new Error(`a tensor of ${tensor.length} values is not ${batch} × [${itemShape.join(', ')}] (${manifest.input.layout})`);
    }
    const out = await session.run({ [inputName]: new ort.Tensor('float32', tensor, [batch, ...itemShape]) });
    const data = out[outputName]!.data as Float32Array;
    const per = data.length / batch;
    return Array.from({ length: batch }, (_, i) => data.slice(i * per, (i + 1) * per));
  };
  const predictTensor = async (tensor: Float32Array, batch: number) => (await outputTensor(tensor, batch)).map((row) => applyActivation(row, manifest.output.activation));
  const runTensor = async (tensor: Float32Array) => (await predictTensor(tensor, 1))[0]!;
  const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  return {
    manifest,
    labels,
    runtime: { name: 'onnxruntime-node', version },
    io: { input: inputName, output: outputName, itemShape, classes },
    runTensor,
    predictTensor,
    outputTensor,
    async predict(image, k = 5) {
      const tensor = await serverPreprocess(image, manifest.input, options.preprocess);
      const scores = await runTensor(tensor);
      return { top: topK(scores, labels, k), scores, tensor };
    },
    release: () => session.release(),
  };
}
