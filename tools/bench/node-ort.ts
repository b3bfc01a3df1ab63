/**
 * The server/CPU floor: onnxruntime-node (tools/server/model.ts, the parity
 * harness's server model) on the same ONNX model and the same preprocessed
 * tensors the page made, with 1 and 2 intra-op threads, calls interleaved.
 */
import { join } from 'node:path';
import { loadServerModel } from '../server/model.js';
import { percentile } from './stats.js';

export const ONNX_MANIFEST = join(import.meta.dirname, '..', '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json');

export interface NodeOrtResult {
  threads: number;
  version: string;
  samples: number[];
  p50Ms: number;
  p95Ms: number;
}

/** @param reps - timed passes over the tensors (after one untimed warm-up pass). */
export async function benchNodeOrt(tensors: Float32Array[], threadCounts: number[] = [1, 2], reps = 2): Promise<NodeOrtResult[]> {
  const models = await Promise.all(threadCounts.map((threads) => loadServerModel(ONNX_MANIFEST, { threads })));
  try {
    const samples = threadCounts.map(() => [] as number[]);
    for (const m of models) for (const t of tensors.slice(0, 3)) await m.runTensor(t);
    for (let r = 0; r < reps; r++) {
      for (const [i, t] of tensors.entries()) {
        const order = models.map((_, k) => k);
        if ((i + r) % 2 === 1) order.reverse();
        for (const k of order) {
          const t0 = performance.now();
          await models[k]!.runTensor(t);
          samples[k]!.push(performance.now() - t0);
        }
      }
    }
    return threadCounts.map((threads, k) => ({ threads, version: models[k]!.runtime.version, samples: samples[k]!, p50Ms: percentile(samples[k]!, 50), p95Ms: percentile(samples[k]!, 95) }));
  } finally {
    await Promise.all(models.map((m) => m.release()));
  }
}
