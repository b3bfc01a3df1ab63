/**
 * A small real classifier, made in Node for tests that need many calls on
 * the emulated GPUs (MobileNetV2 takes 1–5 s a call there): a tfjs-layers
 * CNN on 32×32 inputs (two convolutions, pooling, dense softmax; fixed
 * seeds) and its ONNX twin from tools/convert, each with a manifest whose
 * sha256 the library checks. Served from memory by routing its URLs.
 */
import type { Page } from 'playwright';
import { convertLayersModel, type LayersModelJson } from '../../tools/convert/convert.js';
import type { ModelManifest } from '../../src/types.js';
import { sha256 } from './data.js';

export interface GeneratedModel {
  manifest: ModelManifest;
  /** URL folder the files are served under (the manifest's baseUrl). */
  baseUrl: string;
  files: Record<string, Buffer>;
}

const INPUT = { size: [32, 32] as [number, number], layout: 'NHWC' as const, resize: { mode: 'stretch' as const }, scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number], channels: 'RGB' as const };
const LABELS = ['a', 'b', 'c', 'd', 'e'];

function manifestFor(name: string, format: ModelManifest['format'], files: Record<string, Buffer>, model: string, io: { input?: string; output?: string }): ModelManifest {
  return {
    name, version: '1', format,
    files: { model, ...(format === 'tfjs-layers' ? { weights: ['weights.bin'] } : {}) },
    sha256: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, sha256(b)])),
    input: { ...INPUT, ...(io.input ? { name: io.input } : {}) },
    output: { activation: 'none', ...(io.output ? { name: io.output } : {}) },
    labels: LABELS,
  };
}

/** The tiny CNN as a tfjs-layers model and as ONNX (same weights). */
export async function tinyModels(): Promise<{ tfjs: GeneratedModel; ort: GeneratedModel }> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', kernelInitializer: seeded(2) }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: LABELS.length, activation: 'softmax', kernelInitializer: seeded(3) }),
    ],
  });
  let saved: import('@tensorflow/tfjs').io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  model.dispose();
  const weights = Buffer.from(saved!.weightData as ArrayBuffer);
  const modelJson = { format: 'layers-model', generatedBy: 'inpage-classifier tests', convertedBy: null, modelTopology: saved!.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: saved!.weightSpecs! }] };
  const tfjsFiles = { 'model.json': Buffer.from(JSON.stringify(modelJson)), 'weights.bin': weights };
  const onnx = Buffer.from(await convertLayersModel(modelJson as unknown as LayersModelJson, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer));
  const ortFiles = { 'model.onnx': onnx };
  return {
    tfjs: { manifest: manifestFor('tiny-cnn', 'tfjs-layers', tfjsFiles, 'model.json', {}), baseUrl: '/generated-models/tiny-cnn/', files: tfjsFiles },
    ort: { manifest: manifestFor('tiny-cnn-onnx', 'onnx', ortFiles, 'model.onnx', { input: 'input', output: 'probabilities' }), baseUrl: '/generated-models/tiny-cnn-onnx/', files: ortFiles },
  };
}

/** Serves a generated model's files to the page from memory. */
export async function serveModel(page: Page, model: GeneratedModel): Promise<void> {
  await page.route(`**${model.baseUrl}*`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice(model.baseUrl.length);
    const body = model.files[name];
    await (body ? route.fulfill({ status: 200, contentType: 'application/octet-stream', body }) : route.fulfill({ status: 404, body: 'not found' }));
  });
}
