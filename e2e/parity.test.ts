/**
 * The parity harness in npm test: the default model (tfjs original + ONNX
 * twin) and the ImageNet ONNX model vs the server model, on every backend,
 * tensor and canvas preprocessing; fails when a run misses its threshold
 * (parity.config.json). Writes test-results/parity.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { defaultGroups } from '../tools/parity.js';
import { formatTable, loadParityConfig, runParity } from '../tools/parity/run.js';
import { hasSharedData, imageFiles, SHARED_DATA } from '../tools/shared-data.js';
import { SKIP_NO_DATA } from './helpers/data.js';

test.skipIf(!hasSharedData)(`parity with the server model within thresholds (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, async () => {
  const dir = join(SHARED_DATA, 'photos');
  const report = await runParity({
    groups: defaultGroups(),
    images: imageFiles(dir).map((f) => join(dir, f)),
    backends: ['wasm', 'webgl', 'webgpu'],
    gpuImages: 2,
    config: loadParityConfig(),
  });
  console.log(formatTable(report));
  const out = join(import.meta.dirname, '..', 'test-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'parity.json'), JSON.stringify(report, null, 2));
  // Every engine x backend x preprocessing ran (none unavailable here) and passed.
  expect(report.runs.filter((r) => r.status === 'unavailable').map((r) => `${r.engine}/${r.backend}: ${r.reason}`)).toEqual([]);
  expect(report.runs.filter((r) => r.status === 'fail').map((r) => `${r.model} ${r.engine}/${r.backend}/${r.preprocess}: ${r.reason}`)).toEqual([]);
  expect(report.runs).toHaveLength(18); // (2 nsfw formats + 1 imagenet) x 3 backends x 2 preprocessings
});
