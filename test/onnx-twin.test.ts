/**
 * The converter's correctness check: on the real photos, the ONNX twin in
 * onnxruntime-node and the original tfjs-layers model in @tensorflow/tfjs
 * (Node, its WASM backend on the CPU), given the identical tensor, agree: same top-1 on every image,
 * max |Δprob| ≤ 1e-4. Plus the converter's error for unknown layers.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { argmax, maxAbsDiff, type Reference, tfjsReference } from '../e2e/helpers/reference.js';
import { convertLayersModel } from '../tools/convert/convert.js';
import { convertGraphModel, topologicalOrder } from '../tools/convert/graph.js';
import { loadServerModel, type ServerModel } from '../tools/server/model.js';

const MODELS = join(import.meta.dirname, '..', 'public', 'models');
const PHOTOS = join(import.meta.dirname, '..', '..', 'shared', 'data', 'photos');
const ready = existsSync(PHOTOS) && existsSync(join(MODELS, 'nsfw-mobilenet-v2-onnx', 'manifest.json'));
const photos = ready ? readdirSync(PHOTOS).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort() : [];

const CASES = [
  { id: 'nsfw-mobilenet-v2', photos },
  { id: 'nsfw-mobilenet-v2-mid', photos }, // tfjs-graph: converted by tools/convert/graph.ts
  { id: 'nsfw-inception-v3', photos },
];

describe.skipIf(!ready)(`ONNX twin = tfjs original on identical tensors (${ready ? 'real photos' : 'needs ../shared/data and npm ci'})`, () => {
  for (const c of CASES) {
    describe(c.id, () => {
      let twin: ServerModel;
      let original: Reference;
      beforeAll(async () => {
        twin = await loadServerModel(join(MODELS, `${c.id}-onnx`, 'manifest.json'));
        original = await tfjsReference(join(MODELS, c.id));
      }, 120_000);
      afterAll(async () => {
        await twin?.release();
        await original?.dispose();
      });

      test(`${c.photos.length} photos: same top-1, max |Δprob| ≤ 1e-4`, async () => {
        let worst = 0;
        for (const photo of c.photos) {
          const { tensor, scores } = await twin.predict(join(PHOTOS, photo));
          const expected = await original.run(tensor);
          expect(argmax(scores), photo).toBe(argmax(expected));
          worst = Math.max(worst, maxAbsDiff(scores, expected));
        }
        console.log(`${c.id}: ${c.photos.length} photos, max |Δprob| = ${worst.toExponential(2)}`);
        expect(worst).toBeLessThanOrEqual(1e-4);
      }, 300_000);
    });
  }
});

describe('converter errors', () => {
  const model = (layers: unknown[]) => ({ modelTopology: { model_config: { class_name: 'Model', config: { layers, output_layers: [[(layers.at(-1) as { config: { name: string } }).config.name, 0, 0]] } } }, weightsManifest: [{ paths: [], weights: [] }] });
  const input = { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 8, 8, 3] }, inbound_nodes: [] };

  test('an unknown layer type fails naming the layer and its type', async () => {
    const json = model([input, { class_name: 'LSTM', config: { name: 'my_lstm' }, inbound_nodes: [[['in', 0, 0, {}]]] }]);
    await expect(convertLayersModel(json as never, new ArrayBuffer(0))).rejects.toThrow(/layer "my_lstm" has type LSTM/);
  });

  test('a missing weight fails naming it', async () => {
    const json = model([input, { class_name: 'Conv2D', config: { name: 'c1', filters: 4, kernel_size: [3, 3], padding: 'same' }, inbound_nodes: [[['in', 0, 0, {}]]] }]);
    await expect(convertLayersModel(json as never, new ArrayBuffer(0))).rejects.toThrow(/c1\/kernel not found/);
  });

  test('a tiny conv + BN + relu6 + pool + dense model converts and runs like the math says', async () => {
    // Conv 1x1 (one filter, weight 2 per channel) → BN (identity except beta 1) → ReLU6 → GAP → Dense(1, weight 1).
    const layers = [
      input,
      { class_name: 'Conv2D', config: { name: 'c', filters: 1, kernel_size: [1, 1], padding: 'valid', use_bias: false, activation: 'linear' }, inbound_nodes: [[['in', 0, 0, {}]]] },
      { class_name: 'BatchNormalization', config: { name: 'bn', epsilon: 0 }, inbound_nodes: [[['c', 0, 0, {}]]] },
      { class_name: 'ReLU', config: { name: 'r', max_value: 6 }, inbound_nodes: [[['bn', 0, 0, {}]]] },
      { class_name: 'GlobalAveragePooling2D', config: { name: 'gap' }, inbound_nodes: [[['r', 0, 0, {}]]] },
      { class_name: 'Dense', config: { name: 'd', units: 1, activation: 'linear', use_bias: false }, inbound_nodes: [[['gap', 0, 0, {}]]] },
    ];
    const specs = [
      { name: 'c/kernel', shape: [1, 1, 3, 1], dtype: 'float32' },
      { name: 'bn/gamma', shape: [1], dtype: 'float32' },
      { name: 'bn/beta', shape: [1], dtype: 'float32' },
      { name: 'bn/moving_mean', shape: [1], dtype: 'float32' },
      { name: 'bn/moving_variance', shape: [1], dtype: 'float32' },
      { name: 'd/kernel', shape: [1, 1], dtype: 'float32' },
    ];
    const data = new Float32Array([2, 2, 2, 1, 1, 0, 1, 1]);
    const json = { modelTopology: { model_config: { class_name: 'Model', config: { layers, output_layers: [['d', 0, 0]] } } }, weightsManifest: [{ paths: [], weights: specs }] };
    const bytes = await convertLayersModel(json as never, data.buffer);
    const session = await ort.InferenceSession.create(bytes);
    const x = new Float32Array(8 * 8 * 3).fill(0.5); // conv: 2*(0.5*3) = 3; +1 → 4; relu6 → 4
    x[0] = 10; // one pixel: 2*(10+0.5+0.5)+1 = 23 → clipped to 6
    const out = (await session.run({ input: new ort.Tensor('float32', x, [1, 8, 8, 3]) })).probabilities!.data as Float32Array;
    expect(out[0]).toBeCloseTo((63 * 4 + 6) / 64, 5);
    await session.release();
  });
});

describe('graph converter', () => {
  const graph = (nodes: unknown[]) => ({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: [], weights: [] }] });
  const input = { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '3' }] } } } };

  test('an unknown op fails naming the node and the op', async () => {
    await expect(convertGraphModel(graph([input, { name: 'my_lstm', op: 'LSTMBlockCell', input: ['x'] }]) as never, new ArrayBuffer(0))).rejects.toThrow(/node "my_lstm" has op LSTMBlockCell/);
  });

  test('nodes listed out of order are visited inputs-first', () => {
    const order = topologicalOrder([{ name: 'c', op: 'Relu', input: ['b'] }, { name: 'b', op: 'Relu', input: ['a:0'] }, { name: 'a', op: 'Placeholder' }]);
    expect(order.map((n) => n.name)).toEqual(['a', 'b', 'c']);
  });
});
