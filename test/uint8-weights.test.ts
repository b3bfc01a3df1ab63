/**
 * Issue 16 item 5: the uint8-weights variant of the default ONNX twin
 * (tools/convert/uint8-weights.ts, written by tools/make-onnx-twins.ts into
 * public/models/nsfw-mobilenet-v2-onnx-uint8/). Its weights are the tfjs
 * model's uint8 codes, dequantized in a constant subgraph ORT folds at
 * session creation into the twin's fp32 weights bit for bit: so its outputs
 * are the twin's exactly. Plus the generic path (no tfjs quantization known)
 * on the shared ImageNet MobileNetV2, and a synthetic model that needs no data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OnnxGraphBuilder } from '../tools/convert/onnx-builder.js';
import { quantizeWeightsUint8, tfjsQuantization } from '../tools/convert/uint8-weights.js';
import { loadServerModel, type ServerModel } from '../tools/server/model.js';
import { hasSharedData, imageFiles, imagenetManifest, ONNX_MODEL_FILE, SHARED_DATA } from '../tools/shared-data.js';
import type { ModelManifest } from '../src/types.js';

const { onnx } = onnxProto;
const MODELS = join(import.meta.dirname, '..', 'public', 'models');
const FP32 = join(MODELS, 'nsfw-mobilenet-v2-onnx');
const UINT8 = join(MODELS, 'nsfw-mobilenet-v2-onnx-uint8');
const TFJS = join(MODELS, 'nsfw-mobilenet-v2');
const haveModels = [FP32, UINT8, TFJS].every((d) => existsSync(join(d, 'manifest.json')));
const photos = hasSharedData ? imageFiles(join(SHARED_DATA, 'photos')) : [];
const NO_MODELS = 'needs public/models from npm ci (scripts/prepare-assets.mjs + tools/make-onnx-twins.ts)';
const NO_DATA = 'needs ../shared/data';

const argmax = (a: Float32Array) => a.indexOf(Math.max(...a));
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('quantizeWeightsUint8 on a synthetic model (no data needed)', () => {
  // y = x · W + b with W [64, 32] (2048 elements: quantized) and b [32] (kept fp32).
  const g = new OnnxGraphBuilder();
  const W = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 32) / 8));
  g.addFloat('W', [64, 32], W);
  g.addFloat('b', [32], Float32Array.from({ length: 32 }, (_, i) => i / 100));
  const mm = g.node('MatMul', ['x', 'W'], 'mm');
  g.nodes.push({ op: 'Add', inputs: [mm, 'b'], outputs: ['y'], name: 'add', attributes: {} });
  const fp32 = g.build({ name: 'x', dims: [1, 64] }, { name: 'y', dims: [1, 32] }, { graphName: 'synthetic', opset: 13 });
  const x = Float32Array.from({ length: 64 }, (_, i) => Math.cos(i));

  for (const fallback of ['per-tensor', 'per-channel'] as const) {
    test(`${fallback}: a UINT8 initializer + Cast→Mul→Add under the original name; outputs close to fp32`, async () => {
      const { bytes, report } = quantizeWeightsUint8(fp32, { fallback });
      expect(report.fallback).toBe(fallback);
      expect(report.tensors.map((t) => [t.name, t.mode, t.groups])).toEqual([['W', fallback, fallback === 'per-channel' ? 64 : 1]]);
      expect(report.keptFloat).toBe(1); // the bias
      const model = onnx.ModelProto.decode(bytes);
      const q = model.graph!.initializer!.find((t) => t.name === 'W__uint8')!;
      expect(q.dataType).toBe(onnx.TensorProto.DataType.UINT8);
      expect(model.graph!.initializer!.some((t) => t.name === 'W')).toBe(false);
      expect(model.graph!.node!.slice(0, 3).map((n) => n.opType)).toEqual(['Cast', 'Mul', 'Add']);
      expect(model.graph!.node![2]!.output).toEqual(['W']);
      const run = async (b: Uint8Array) => {
        const s = await ort.InferenceSession.create(b);
        const out = (await s.run({ x: new ort.Tensor('float32', x, [1, 64]) })).y!.data as Float32Array;
        await s.release();
        return out;
      };
      const [a, u] = [await run(fp32), await run(bytes)];
      // 64 products, each weight off by ≤ half a step (range/255/2 ≈ 0.02 per tensor, less per row).
      expect(maxAbsDiff(a, u)).toBeLessThan(fallback === 'per-channel' ? 0.2 : 0.5);
      const range = Math.max(...W) - Math.min(...W);
      expect(report.tensors[0]!.maxAbsError).toBeLessThanOrEqual((range / 255 / 2) * 1.001);
    });
  }

  test('values already on a ≤ 256-level grid (a dequantized int8 tensor) are kept on it', () => {
    const grid = new OnnxGraphBuilder();
    grid.addFloat('W', [64, 32], Float32Array.from({ length: 2048 }, (_, i) => Math.fround(((i * 7) % 255 - 127) * 0.0123)));
    grid.nodes.push({ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'], name: 'mm', attributes: {} });
    const { report } = quantizeWeightsUint8(grid.build({ name: 'x', dims: [1, 64] }, { name: 'y', dims: [1, 32] }, { graphName: 'g', opset: 13 }), { fallback: 'per-tensor' });
    expect(report.tensors[0]!.groupsOnGrid).toBe(1);
    expect(report.tensors[0]!.maxAbsError).toBeLessThan(1e-6);
  });
});

describe.skipIf(!haveModels)(`nsfw-mobilenet-v2-onnx-uint8 files (${haveModels ? 'public/models' : NO_MODELS})`, () => {
  test('< 35% of the fp32 twin; regenerating from the twin + tfjs model.json gives the shipped bytes, every weight bit-identical', () => {
    const fp32 = readFileSync(join(FP32, 'model.onnx'));
    const shipped = readFileSync(join(UINT8, 'model.onnx'));
    console.log(`uint8 variant: ${shipped.length} B vs fp32 twin ${fp32.length} B (${((100 * shipped.length) / fp32.length).toFixed(1)} %)`);
    expect(shipped.length / fp32.length).toBeLessThan(0.35);
    const { known, inexact, unmatched } = tfjsQuantization(join(TFJS, 'model.json'), fp32);
    expect(inexact).toEqual([]);
    expect(unmatched).toEqual([]);
    // Every conv/dense weight has its tfjs codes; 52 convs carry a folded BatchNorm's per-channel factor.
    expect(known.size).toBe(55);
    expect([...known.values()].filter((k) => k.factor).length).toBe(52);
    const { bytes, report } = quantizeWeightsUint8(fp32, { known });
    expect(report.bitIdentical).toBe(true);
    expect(new Set(report.tensors.map((t) => t.mode))).toEqual(new Set(['tfjs']));
    expect(report.tensors.length).toBe(50); // the weights with ≥ 1024 elements
    expect(Buffer.from(bytes).equals(shipped)).toBe(true);
  });

  test('manifest: own name, sha256 and bytes; the twin\'s input, output and labels', () => {
    const twin = readManifest(FP32);
    const u8 = readManifest(UINT8);
    expect(u8.name).toBe('nsfw-mobilenet-v2-onnx-uint8');
    expect(u8.format).toBe('onnx');
    expect(u8.input).toEqual(twin.input);
    expect(u8.output).toEqual(twin.output);
    expect(u8.labels).toEqual(twin.labels);
    expect(readFileSync(join(UINT8, 'labels.txt'), 'utf8')).toBe(readFileSync(join(FP32, 'labels.txt'), 'utf8'));
    expect(u8.bytes!['model.onnx']).toBe(readFileSync(join(UINT8, 'model.onnx')).length);
    expect(u8.sha256['model.onnx']).not.toBe(twin.sha256['model.onnx']);
  });
});

describe.skipIf(!haveModels || !hasSharedData)(`uint8 variant = fp32 twin in onnxruntime-node (${!haveModels ? NO_MODELS : !hasSharedData ? NO_DATA : `${photos.length} photos`})`, () => {
  let fp32: ServerModel;
  let u8: ServerModel;
  const tensors: Float32Array[] = [];
  beforeAll(async () => {
    fp32 = await loadServerModel(join(FP32, 'manifest.json'));
    u8 = await loadServerModel(join(UINT8, 'manifest.json'));
  }, 60_000);
  afterAll(async () => {
    await fp32?.release();
    await u8?.release();
  });

  test('identical probabilities on every photo (so top-1 agreement 100 %, max |Δp| 0)', async () => {
    let agree = 0;
    let worst = 0;
    for (const photo of photos) {
      const a = await fp32.predict(join(SHARED_DATA, 'photos', photo));
      const b = await u8.runTensor(a.tensor);
      tensors.push(a.tensor);
      if (argmax(a.scores) === argmax(b)) agree++;
      worst = Math.max(worst, maxAbsDiff(a.scores, b));
      expect(Array.from(b), photo).toEqual(Array.from(a.scores));
    }
    console.log(`uint8 vs fp32 twin: top-1 agreement ${agree}/${photos.length}, max |Δp| = ${worst}`);
    expect(agree).toBe(photos.length);
  }, 120_000);

  test('p50 side by side and session creation (measured, logged; not asserted on a shared CPU)', async () => {
    const ms: Record<'fp32' | 'uint8', number[]> = { fp32: [], uint8: [] };
    for (let r = 0; r < 2; r++) {
      for (const [i, t] of tensors.slice(0, 12).entries()) {
        const order = (i + r) % 2 ? (['uint8', 'fp32'] as const) : (['fp32', 'uint8'] as const);
        for (const k of order) {
          const t0 = performance.now();
          await (k === 'fp32' ? fp32 : u8).runTensor(t);
          ms[k].push(performance.now() - t0);
        }
      }
    }
    const create: Record<'fp32' | 'uint8', number[]> = { fp32: [], uint8: [] };
    for (let r = 0; r < 3; r++) {
      for (const [k, dir] of (r % 2 ? [['uint8', UINT8], ['fp32', FP32]] : [['fp32', FP32], ['uint8', UINT8]]) as [keyof typeof create, string][]) {
        const t0 = performance.now();
        const s = await ort.InferenceSession.create(join(dir, 'model.onnx'), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
        create[k].push(performance.now() - t0);
        await s.release();
      }
    }
    const p = (k: 'fp32' | 'uint8') => median(ms[k]);
    console.log(`onnxruntime-node 1 thread: p50 fp32 ${p('fp32').toFixed(2)} ms, uint8 ${p('uint8').toFixed(2)} ms (ratio ${(p('uint8') / p('fp32')).toFixed(3)}); session creation fp32 ${median(create.fp32).toFixed(0)} ms, uint8 ${median(create.uint8).toFixed(0)} ms`);
    expect(Number.isFinite(p('uint8'))).toBe(true);
  }, 120_000);
});

describe.skipIf(!hasSharedData)(`generic ONNX (no tfjs quantization): ${ONNX_MODEL_FILE} (${hasSharedData ? `${photos.length} photos` : NO_DATA})`, () => {
  test('per-channel fallback: mode reported, < 30% of the size, top-1 agreement ≥ 99 % with fp32', async () => {
    const file = join(SHARED_DATA, 'models', ONNX_MODEL_FILE);
    const bytes = readFileSync(file);
    const { bytes: u8bytes, report } = quantizeWeightsUint8(bytes);
    expect(report.fallback).toBe('per-channel');
    expect(new Set(report.tensors.map((t) => t.mode))).toEqual(new Set(['per-channel']));
    expect(report.bytesOut / report.bytesIn).toBeLessThan(0.3);
    const manifest = imagenetManifest();
    const fp32 = await loadServerModel(file, { manifest, modelPath: file });
    const session = await ort.InferenceSession.create(u8bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
    try {
      let agree = 0;
      let worst = 0;
      for (const photo of photos) {
        const a = await fp32.predict(join(SHARED_DATA, 'photos', photo));
        const out = await session.run({ input: new ort.Tensor('float32', a.tensor, [1, 3, 224, 224]) });
        const logits = out.output!.data as Float32Array;
        const max = Math.max(...logits);
        const exp = logits.map((v) => Math.exp(v - max));
        const sum = exp.reduce((s, v) => s + v, 0);
        const probs = exp.map((v) => v / sum);
        if (argmax(probs) === argmax(a.scores)) agree++;
        worst = Math.max(worst, maxAbsDiff(probs, a.scores));
      }
      const onGrid = report.tensors.reduce((s, t) => s + (t.groupsOnGrid ?? 0), 0);
      const groups = report.tensors.reduce((s, t) => s + t.groups, 0);
      console.log(`generic ${report.fallback}: ${report.bytesOut} of ${report.bytesIn} B, ${onGrid}/${groups} channels on their int8 grid, top-1 agreement ${agree}/${photos.length}, max |Δp| = ${worst.toFixed(4)}`);
      expect(agree / photos.length).toBeGreaterThanOrEqual(0.99);
    } finally {
      await session.release();
      await fp32.release();
    }
  }, 120_000);
});
