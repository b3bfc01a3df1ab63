/**
 * The parity harness in npm test: the default model (tfjs original + ONNX
 * twin) and the ImageNet ONNX model vs the server model, on every backend,
 * tensor and canvas preprocessing; fails when a run misses its threshold
 * (parity.config.json). Writes test-results/parity.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { defaultGroups, groupForManifest } from '../tools/parity.js';
import { formatTable, loadParityConfig, runParity } from '../tools/parity/run.js';
import { BACKENDS } from '../tools/browser/matrix.js';
import { hasSharedData, imageFiles, SHARED_DATA } from '../tools/shared-data.js';
import { SKIP_NO_DATA } from './helpers/data.js';

test.skipIf(!hasSharedData)(`parity with the server model within thresholds (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, async () => {
  const dir = join(SHARED_DATA, 'photos');
  const report = await runParity({
    groups: defaultGroups(),
    images: imageFiles(dir).map((f) => join(dir, f)),
    backends: [...BACKENDS],
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
  // The whole matrix, every photo on WASM, with WebGPU's shader compilation: about 225 s on an idle 2-core machine.
}, 480_000);

test.skipIf(!hasSharedData)(`parity against a running server's /predict (--server-url) (${hasSharedData ? 'serve-model' : SKIP_NO_DATA})`, async () => {
  const { startServer } = await import('../tools/serve-model.js');
  const { server, model } = await startServer(join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json'), 0);
  try {
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/predict`;
    const group = groupForManifest(join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2', 'manifest.json'));
    group.server = { url };
    const dir = join(SHARED_DATA, 'photos');
    const report = await runParity({ groups: [group], images: imageFiles(dir).slice(0, 8).map((f) => join(dir, f)), backends: ['wasm'], gpuImages: 0, config: loadParityConfig() });
    expect(report.reference.runtime).toBe('remote server');
    const byMode = Object.fromEntries(report.runs.map((r) => [`${r.engine}/${r.preprocess}`, r]));
    // The remote server hides its tensor; end to end it is the same pipeline as the in-process server model.
    expect(byMode['tfjs/tensor']?.status).toBe('unavailable');
    expect(byMode['tfjs/canvas']).toMatchObject({ status: 'pass', images: 8, top1Agreement: 1 });
    expect(byMode['ort/canvas']).toMatchObject({ status: 'pass', images: 8, top1Agreement: 1 });
    expect(byMode['ort/canvas']!.maxAbsDiffProb).toBeLessThan(0.05);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await model.release();
  }
});
