/**
 * ../shared/data (test photos, the ImageNet ONNX model, the bad corpus):
 * present on dev and CI machines, never copied into the repo.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelManifest } from '../src/types.js';

export const SHARED_DATA = resolve(import.meta.dirname, '..', '..', 'shared', 'data');
export const hasSharedData = existsSync(join(SHARED_DATA, 'photos'));
export const ONNX_MODEL_FILE = 'mobilenetv2-12-int8-dequantized-fp32.onnx';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function readShared(path: string): Buffer {
  return readFileSync(join(SHARED_DATA, path));
}

export function imageFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.(jpe?g|png|webp|gif|bmp)$/i.test(f)).sort();
}

/** Manifest object for the shared ImageNet MobileNetV2 (NCHW, torchvision preprocessing, logits). */
export function imagenetManifest(modelFile = ONNX_MODEL_FILE): ModelManifest {
  const labels = readShared('labels/imagenet_classes.txt').toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  return {
    name: 'imagenet-mobilenetv2',
    version: '12-fp32',
    format: 'onnx',
    files: { model: modelFile },
    sha256: { [modelFile]: sha256(readShared(`models/${modelFile}`)) },
    input: {
      name: 'input',
      size: [224, 224],
      layout: 'NCHW',
      resize: { mode: 'crop', shorterSide: 256 },
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      channels: 'RGB',
    },
    output: { name: 'output', activation: 'softmax' },
    labels,
  };
}
