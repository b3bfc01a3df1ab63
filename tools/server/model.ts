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

export interface ServerModel {
  manifest: ModelManifest;
  labels: string[];
  runtime: { name: 'onnxruntime-node'; version: string };
  /** Probabilities for a model-ready tensor. */
  runTensor(tensor: Float32Array): Promise<Float32Array>;
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
  const shape = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  const runTensor = async (tensor: Float32Array) => {
    const out = await session.run({ [inputName]: new ort.Tensor('float32', tensor, shape) });
    return applyActivation(out[outputName]!.data as Float32Array, manifest.output.activation);
  };
  const version = (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  return {
    manifest,
    labels,
    runtime: { name: 'onnxruntime-node', version },
    runTensor,
    async predict(image, k = 5) {
      const tensor = await serverPreprocess(image, manifest.input, options.preprocess);
      const scores = await runTensor(tensor);
      return { top: topK(scores, labels, k), scores, tensor };
    },
    release: () => session.release(),
  };
}
