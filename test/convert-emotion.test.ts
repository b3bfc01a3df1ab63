/**
 * The graph converter on a real third-party tfjs graph model: @vladmandic/human's
 * emotion classifier (64×64×1 grayscale NHWC; _FusedConv2D with BiasAdd(+Relu),
 * DepthwiseConv2dNative, SAME/VALID padding, MaxPool, AddV2 residuals, Relu,
 * Mean over H,W (global average pool), Softmax). The ONNX in onnxruntime-node
 * and the original in @tensorflow/tfjs (pure-JS CPU backend) get the identical
 * tensors and must agree: max |Δprob| ≤ 1e-4, same top-1.
 * Plus small synthetic graphs for the op variants the model does not use
 * (reductions with/without keep_dims on other axes, EXPLICIT padding, fused
 * LeakyRelu, per-channel constants) and the "all unsupported ops at once" error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { argmax, maxAbsDiff } from '../e2e/helpers/reference.js';
import { convertGraphModel, type GraphModelJson, unsupportedOps } from '../tools/convert/graph.js';
import { mulberry32 as rng } from './helpers/random.js';

const HUMAN_MODELS = join(import.meta.dirname, '..', 'node_modules', '@vladmandic', 'human', 'models');


async function tfjsRun(json: GraphModelJson, weightData: ArrayBuffer, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology as never, weightSpecs: specs, weightData, format: 'graph-model' }));
  try {
    const y = tf.tidy(() => model.predict(tf.tensor(x, shape)) as tf.Tensor);
    const out = Float32Array.from(await y.data());
    y.dispose();
    return out;
  } finally {
    model.dispose();
  }
}

async function ortRun(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = (await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) }))[session.outputNames[0]!]!;
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  expect(await tf.setBackend('cpu')).toBe(true);
});

describe('@vladmandic/human emotion model (tfjs graph) → ONNX', () => {
  const json = JSON.parse(readFileSync(join(HUMAN_MODELS, 'emotion.json'), 'utf8')) as GraphModelJson;
  const weightData = new Uint8Array(readFileSync(join(HUMAN_MODELS, 'emotion.bin'))).buffer;
  const N = 64 * 64;
  const rand = rng(42);
  const inputs: Record<string, Float32Array> = {
    'uniform noise [0,1]': Float32Array.from({ length: N }, () => rand()),
    'uniform noise [-1,1]': Float32Array.from({ length: N }, () => rand() * 2 - 1),
    'horizontal gradient': Float32Array.from({ length: N }, (_, i) => (i % 64) / 63),
    'radial blob': Float32Array.from({ length: N }, (_, i) => Math.exp(-(((i % 64) - 32) ** 2 + (Math.floor(i / 64) - 28) ** 2) / 200)),
    'checkerboard 8px': Float32Array.from({ length: N }, (_, i) => ((Math.floor((i % 64) / 8) + Math.floor(i / 64 / 8)) % 2 ? 0.9 : 0.1)),
    'constant 0.5': new Float32Array(N).fill(0.5),
  };
  let onnx: Uint8Array;
  let session: ort.InferenceSession;
  let model: tf.GraphModel;

  beforeAll(async () => {
    onnx = await convertGraphModel(json, weightData);
    session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
    model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology as never, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData, format: 'graph-model' }));
  }, 120_000);
  afterAll(async () => {
    await session?.release();
    model?.dispose();
  });

  test('the ONNX graph has the NHWC input and a 7-class output', () => {
    expect(session.inputNames).toEqual(['input_1']);
    expect(session.outputNames).toEqual(['probabilities']);
  });

  test.each(Object.keys(inputs))('%s: same top-1, max |Δprob| ≤ 1e-4', async (name) => {
    const x = inputs[name]!;
    const y = tf.tidy(() => model.predict(tf.tensor(x, [1, 64, 64, 1])) as tf.Tensor);
    const expected = Float32Array.from(await y.data());
    y.dispose();
    const out = (await session.run({ input_1: new ort.Tensor('float32', x, [1, 64, 64, 1]) })).probabilities!;
    const got = out.data as Float32Array;
    expect(out.dims).toEqual([1, 7]);
    expect(argmax(got)).toBe(argmax(expected));
    const diff = maxAbsDiff(got, expected);
    expect(diff, `max |Δprob| ${diff.toExponential(2)}`).toBeLessThanOrEqual(1e-4);
  });

  test('a batch of 3 gives the same rows as one at a time', async () => {
    const names = Object.keys(inputs).slice(0, 3);
    const batch = new Float32Array(3 * N);
    names.forEach((n, i) => batch.set(inputs[n]!, i * N));
    const out = (await session.run({ input_1: new ort.Tensor('float32', batch, [3, 64, 64, 1]) })).probabilities!;
    expect(out.dims).toEqual([3, 7]);
    for (const [i, n] of names.entries()) {
      const single = (await session.run({ input_1: new ort.Tensor('float32', inputs[n]!, [1, 64, 64, 1]) })).probabilities!.data as Float32Array;
      expect(maxAbsDiff((out.data as Float32Array).subarray(i * 7, i * 7 + 7), single)).toBeLessThanOrEqual(1e-6);
    }
  });
});

describe('graph converter op variants (synthetic graphs, tfjs vs onnxruntime)', () => {
  const H = 5;
  const W = 6;
  const C = 3;
  const placeholder = { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: String(H) }, { size: String(W) }, { size: String(C) }] } } } };
  const b64 = (s: string) => btoa(s);
  const rand = rng(7);
  const x = Float32Array.from({ length: 2 * H * W * C }, () => rand() * 2 - 1);

  /** A graph: Placeholder → `nodes` → Identity(out), with float/int32 weights. */
  function graph(nodes: object[], weights: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: number[] }[], outOf: string): { json: GraphModelJson; data: ArrayBuffer } {
    const bufs = weights.map((w) => (w.dtype === 'int32' ? new Int32Array(w.data) : new Float32Array(w.data)));
    const data = new Uint8Array(bufs.reduce((s, b) => s + b.byteLength, 0));
    let off = 0;
    for (const b of bufs) {
      data.set(new Uint8Array(b.buffer), off);
      off += b.byteLength;
    }
    const consts = weights.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' }, value: { tensor: { dtype: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: { dim: w.shape.map((d) => ({ size: String(d) })) } } } } }));
    return {
      json: {
        format: 'graph-model',
        modelTopology: { node: [placeholder, ...consts, ...nodes, { name: 'Identity', op: 'Identity', input: [outOf], attr: { T: { type: 'DT_FLOAT' } } }] as never, versions: { producer: 1 } } as GraphModelJson['modelTopology'],
        weightsManifest: [{ paths: [], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) }],
      },
      data: data.buffer,
    };
  }

  async function agree(json: GraphModelJson, data: ArrayBuffer, expectedDims: number[]) {
    const shape = [2, H, W, C];
    const expected = await tfjsRun(json, data, x, shape);
    const got = await ortRun(await convertGraphModel(json, data), x, shape);
    expect([...got.dims]).toEqual(expectedDims);
    expect(got.data.length).toBe(expected.length);
    expect(maxAbsDiff(got.data, expected)).toBeLessThanOrEqual(1e-5);
  }

  const reduce = (op: string, axes: number[], keep: boolean) =>
    graph([{ name: 'r', op, input: ['x', 'axes'], attr: { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: keep } } }], [{ name: 'axes', shape: [axes.length], dtype: 'int32', data: axes }], 'r');

  test.each([
    ['Mean', [1, 2], false, [2, C]],
    ['Mean', [1, 2], true, [2, 1, 1, C]],
    ['Mean', [3], false, [2, H, W]],
    ['Mean', [-1], true, [2, H, W, 1]],
    ['Mean', [1], false, [2, W, C]], // kept axes W, C are out of NCHW order: goes through NHWC
    ['Mean', [2], true, [2, H, 1, C]],
    ['Sum', [1, 2], false, [2, C]],
    ['Max', [2, 3], true, [2, H, 1, 1]],
    ['Min', [0], false, [H, W, C]],
  ] as const)('%s over axes %j keep_dims=%s → %j', async (op, axes, keep, dims) => {
    const { json, data } = reduce(op, [...axes], keep);
    await agree(json, data, [...dims]);
  });

  test('Mean at opset 18 (axes as an input) converts and runs', async () => {
    const { json, data } = reduce('Mean', [1, 2], false);
    const got = await ortRun(await convertGraphModel(json, data, { opset: 18 }), x, [2, H, W, C]);
    const expected = await tfjsRun(json, data, x, [2, H, W, C]);
    expect(maxAbsDiff(got.data, expected)).toBeLessThanOrEqual(1e-5);
  });

  test('_FusedConv2D with EXPLICIT padding, stride 2, BiasAdd + LeakyRelu; depthwise SAME; per-channel Mul; MaxPool VALID; Softmax', async () => {
    const K = 4;
    const kernel = Array.from({ length: 3 * 3 * C * K }, () => rand() - 0.5);
    const bias = Array.from({ length: K }, () => rand() - 0.5);
    const dw = Array.from({ length: 3 * 3 * K * 1 }, () => rand() - 0.5);
    const scale = Array.from({ length: K }, () => rand() + 0.5);
    const attr = (o: object) => ({ T: { type: 'DT_FLOAT' }, data_format: { s: b64('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } }, ...o });
    const { json, data } = graph(
      [
        { name: 'conv', op: '_FusedConv2D', input: ['x', 'k', 'b'], attr: attr({ strides: { list: { i: ['1', '2', '2', '1'] } }, padding: { s: b64('EXPLICIT') }, explicit_paddings: { list: { i: ['0', '0', '1', '2', '2', '1', '0', '0'] } }, fused_ops: { list: { s: [b64('BiasAdd'), b64('LeakyRelu')] } }, num_args: { i: '1' }, leakyrelu_alpha: { f: 0.1 } }) },
        { name: 'dw', op: 'DepthwiseConv2dNative', input: ['conv', 'dwk'], attr: attr({ strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('SAME') } }) },
        { name: 'mul', op: 'Mul', input: ['dw', 'scale'], attr: { T: { type: 'DT_FLOAT' } } },
        { name: 'pool', op: 'MaxPool', input: ['mul'], attr: { T: { type: 'DT_FLOAT' }, data_format: { s: b64('NHWC') }, ksize: { list: { i: ['1', '2', '2', '1'] } }, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('VALID') } } },
        { name: 'sm', op: 'Softmax', input: ['pool'], attr: { T: { type: 'DT_FLOAT' } } },
      ],
      [
        { name: 'k', shape: [3, 3, C, K], dtype: 'float32', data: kernel },
        { name: 'b', shape: [K], dtype: 'float32', data: bias },
        { name: 'dwk', shape: [3, 3, K, 1], dtype: 'float32', data: dw },
        { name: 'scale', shape: [K], dtype: 'float32', data: scale },
      ],
      'sm',
    );
    // conv: H (5+1+2-3)/2+1 = 3, W (6+2+1-3)/2+1 = 4; pool 2x2 valid → 2 x 3; softmax over channels; output back in NHWC.
    await agree(json, data, [2, 2, 3, K]);
  });
});

describe('graph converter errors', () => {
  const input = { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] } } } };
  const g = (nodes: object[]) => ({ format: 'graph-model', modelTopology: { node: [input, ...nodes] }, weightsManifest: [{ paths: [], weights: [] }] }) as never as GraphModelJson;
  const nodes = [
    { name: 'a', op: 'ResizeBilinear', input: ['x'] },
    { name: 'b', op: 'ResizeBilinear', input: ['a'] },
    { name: 'c', op: 'Relu', input: ['b'] },
    { name: 'd', op: 'NonMaxSuppressionV5', input: ['c'] },
    { name: 'e', op: '_FusedConv2D', input: ['d', 'w'], attr: { fused_ops: { list: { s: [btoa('BiasAdd'), btoa('FusedBatchNorm')] } } } },
    { name: 'f', op: 'ResizeBilinear', input: ['e'] },
  ];

  test('unsupportedOps lists every unsupported op with counts (fused-op combinations too)', () => {
    expect(unsupportedOps(g(nodes).modelTopology.node).map(({ op, count }) => [op, count])).toEqual([
      ['ResizeBilinear', 3],
      ['_FusedConv2D[BiasAdd+FusedBatchNorm]', 1],
      ['NonMaxSuppressionV5', 1],
    ]);
  });

  test('one error names all of them, with counts, before anything is converted', async () => {
    const error = (await convertGraphModel(g(nodes), new ArrayBuffer(0)).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/does not support 3 op types used by 5 nodes/);
    expect(error.message).toMatch(/ResizeBilinear ×3 \(e\.g\. node "a" has op ResizeBilinear\)/);
    expect(error.message).toMatch(/NonMaxSuppressionV5 ×1/);
    expect(error.message).toMatch(/_FusedConv2D\[BiasAdd\+FusedBatchNorm\] ×1/);
  });

  test('Mean with non-constant axes fails naming the node', async () => {
    const bad = g([{ name: 'm', op: 'Mean', input: ['x', 'x'], attr: { keep_dims: { b: false } } }]);
    await expect(convertGraphModel(bad, new ArrayBuffer(0))).rejects.toThrow(/node "m": Mean axes \(input x\) must be a constant/);
  });
});
