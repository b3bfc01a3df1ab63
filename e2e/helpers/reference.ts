/**
 * Node references for "same tensor in, same top-1 out": onnxruntime-node for
 * ONNX models, @tensorflow/tfjs (pure-JS CPU backend) for tfjs models.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { applyActivation } from '../../src/postprocess/scores.js';
import { tensorShape } from '../../src/preprocess/tensor.js';
import type { ModelManifest } from '../../src/types.js';

export interface Reference {
  /** Probabilities after the manifest's activation. */
  run(tensor: Float32Array): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export async function ortReference(modelPath: string, manifest: ModelManifest): Promise<Reference> {
  const session = await ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'] });
  const shape = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  return {
    async run(tensor) {
      const out = await session.run({ [manifest.input.name ?? session.inputNames[0]!]: new ort.Tensor('float32', tensor, shape) });
      return applyActivation(out[manifest.output.name ?? session.outputNames[0]!]!.data as Float32Array, manifest.output.activation);
    },
    dispose: () => session.release(),
  };
}

/**
 * @param backend - 'wasm' (default: XNNPACK on the CPU, ~20x faster than the
 *   pure-JS 'cpu' backend, same float32 results to ~1e-7) or 'cpu'.
 */
export async function tfjsReference(modelDir: string, backend: 'wasm' | 'cpu' = 'wasm'): Promise<Reference> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs ${backend} backend did not initialise in Node`);
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as ModelManifest;
  const modelJson = JSON.parse(readFileSync(join(modelDir, manifest.files.model), 'utf8'));
  const shards = (modelJson.weightsManifest as { paths: string[] }[]).flatMap((g) => g.paths).map((p) => readFileSync(join(modelDir, p)));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  const weightSpecs = (modelJson.weightsManifest as { weights: unknown[] }[]).flatMap((g) => g.weights);
  const handler = tf.io.fromMemory({ ...modelJson, weightSpecs, weightData });
  const model = manifest.format === 'tfjs-graph' ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  const shape = tensorShape(manifest.input.size, manifest.input.layout, manifest.input.channels);
  return {
    async run(tensor) {
      const y = tf.tidy(() => model.predict(tf.tensor(tensor, shape)) as import('@tensorflow/tfjs').Tensor);
      const data = Float32Array.from(await y.data());
      y.dispose();
      return applyActivation(data, manifest.output.activation);
    },
    async dispose() {
      model.dispose();
    },
  };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}
