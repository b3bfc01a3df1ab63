/**
 * Expected labels for whole-app tests (consumer app, PWA): images whose top-1
 * the server model (onnxruntime-node + PIL-style resize, the default model's
 * ONNX twin) gives with a clear margin, one per label, so a check cannot pass
 * by answering one constant label and does not hinge on resize drift.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadServerModel } from '../../tools/server/model.js';
import { SHARED_DATA } from './data.js';

const ONNX_TWIN = resolve(import.meta.dirname, '..', '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json');

export interface LabelledImage {
  name: string;
  path: string;
  label: string;
}

export async function clearlyLabelledImages(minMargin = 0.3): Promise<LabelledImage[]> {
  const server = await loadServerModel(ONNX_TWIN);
  const candidates = [
    ...readdirSync(join(SHARED_DATA, 'photos', 'drawings')).map((f) => join(SHARED_DATA, 'photos', 'drawings', f)),
    ...['kitten_tabby.jpg', 'dog_samoyed.jpg', 'mountains_lake_landscape.jpg'].map((f) => join(SHARED_DATA, 'photos', f)),
  ];
  const picked = new Map<string, LabelledImage>();
  try {
    for (const path of candidates) {
      const { top } = await server.predict(path, 2);
      if (top[0]!.score - top[1]!.score < minMargin || picked.has(top[0]!.label)) continue;
      picked.set(top[0]!.label, { name: path.split('/').pop()!, path, label: top[0]!.label });
    }
  } finally {
    await server.release();
  }
  return [...picked.values()];
}
