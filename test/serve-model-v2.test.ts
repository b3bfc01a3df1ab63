/**
 * serve-model's tensor protocols on the real packed ONNX model: Open Inference
 * Protocol V2 (health, server and model metadata, infer) and TF Serving REST
 * (status, :predict row and columnar). A tensor made by the server model's own
 * preprocessing of a real photo gets the same scores (|Δ| ≤ 1e-6) over V2 and
 * TF Serving as the photo's bytes over /predict; batches of 2 too. Every
 * refused request is a 400 / 404 / 405 with a message saying what was expected.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { flattenTensor, ProtocolError, startServer } from '../tools/serve-model.js';
import type { ServerModel } from '../tools/server/model.js';
import { hasSharedData, SHARED_DATA } from '../tools/shared-data.js';

const MANIFEST = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json');
const NAME = 'nsfw-mobilenet-v2-onnx';
const PHOTOS = ['dog_samoyed.jpg', 'cat_chelsea.png'];

interface V2Output { name: string; shape: number[]; datatype: string; data: number[] }
interface V2Answer { model_name: string; model_version: string; id?: string; outputs: V2Output[] }

const close = (got: readonly number[], want: readonly number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThanOrEqual(1e-6));
};

/** A flat NHWC tensor as nested [H][W][C] lists. */
const nest = (flat: Float32Array, [h, w, c]: readonly number[]) =>
  Array.from({ length: h! }, (_, y) => Array.from({ length: w! }, (_, x) => Array.from(flat.subarray((y * w! + x) * c!, (y * w! + x + 1) * c!))));

describe('flattenTensor', () => {
  test('flat and nested lists give row-major values and the nesting shape; ragged lists and non-numbers are refused', () => {
    expect(flattenTensor([1, 2, 3], 'x')).toEqual({ data: [1, 2, 3], shape: [3] });
    expect(flattenTensor([[[1, 2]], [[3, 4]]], 'x')).toEqual({ data: [1, 2, 3, 4], shape: [2, 1, 2] });
    expect(() => flattenTensor([[1, 2], [3]], 'x')).toThrow(/x is not a rectangular list/);
    expect(() => flattenTensor([[1, 2], 3], 'x')).toThrow(/not a rectangular/);
    expect(() => flattenTensor([1, [2]], 'x')).toThrow(/not a rectangular/);
    expect(() => flattenTensor([1, 'a'], 'x')).toThrow(ProtocolError);
    expect(() => flattenTensor('1,2', 'x')).toThrow(/must be a list of numbers/);
  });
});

describe.skipIf(!hasSharedData)(`serve-model V2 + TF Serving (${hasSharedData ? 'real photos' : 'needs ../shared/data'})`, () => {
  let server: Server;
  let model: ServerModel;
  let url: string;
  /** Per photo: the server model's tensor for it and /predict's scores for its bytes. */
  const photos: { tensor: Float32Array; scores: number[] }[] = [];
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const v2Input = (tensors: Float32Array[], over: Record<string, unknown> = {}) => ({
    name: 'input', shape: [tensors.length, 224, 224, 3], datatype: 'FP32', data: tensors.flatMap((t) => Array.from(t)), ...over,
  });
  /** A refused request: its status, and its `{ error }` message. */
  const refused = async (answer: Promise<{ status: number; body: unknown }>, status: number, message: RegExp) => {
    const a = await answer;
    expect(a.status).toBe(status);
    expect((a.body as { error: string }).error).toMatch(message);
  };

  beforeAll(async () => {
    ({ server, model } = await startServer(MANIFEST, 0));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    for (const file of PHOTOS) {
      const bytes = readFileSync(join(SHARED_DATA, 'photos', file));
      const { tensor } = await model.predict(bytes);
      const response = await fetch(`${url}/predict`, { method: 'POST', body: bytes, headers: { 'content-type': 'image/jpeg' } });
      expect(response.status).toBe(200);
      photos.push({ tensor, scores: ((await response.json()) as { scores: number[] }).scores });
    }
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await model.release();
  });

  test('V2 health, server metadata, model metadata (real graph names, NHWC, dynamic batch) and model ready', async () => {
    expect(await get('/v2/health/live')).toEqual({ status: 200, body: { live: true } });
    expect(await get('/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
    const meta = await get('/v2');
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({ name: 'inpage-classifier', extensions: [] });
    expect(typeof (meta.body as { version: unknown }).version).toBe('string');
    const modelMeta = {
      name: NAME, versions: ['4.4.0'], platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 224, 224, 3] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 5] }],
    };
    expect(await get(`/v2/models/${NAME}`)).toEqual({ status: 200, body: modelMeta });
    expect(await get(`/v2/models/${NAME}/versions/4.4.0`)).toEqual({ status: 200, body: modelMeta });
    expect(await get(`/v2/models/${NAME}/ready`)).toEqual({ status: 200, body: { name: NAME, ready: true } });
    expect(await get(`/v2/models/${NAME}/versions/4.4.0/ready`)).toEqual({ status: 200, body: { name: NAME, ready: true } });
  });

  test('V2 infer on the server model\'s tensor of a photo gives /predict\'s scores for its bytes; the id is echoed', async () => {
    const a = await post(`/v2/models/${NAME}/infer`, { id: 'req-1', inputs: [v2Input([photos[0]!.tensor])], outputs: [{ name: 'probabilities' }] });
    expect(a.status).toBe(200);
    const body = a.body as V2Answer;
    expect(body).toMatchObject({ model_name: NAME, model_version: '4.4.0', id: 'req-1' });
    expect(body.outputs).toHaveLength(1);
    expect(body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [1, 5], datatype: 'FP32' });
    close(body.outputs[0]!.data, photos[0]!.scores);
    // The versioned route and nested [1][224][224][3] data answer the same.
    const nested = await post(`/v2/models/${NAME}/versions/4.4.0/infer`, { inputs: [v2Input([photos[0]!.tensor], { data: [nest(photos[0]!.tensor, [224, 224, 3])] })] });
    expect(nested.status).toBe(200);
    expect((nested.body as V2Answer).id).toBeUndefined();
    close((nested.body as V2Answer).outputs[0]!.data, photos[0]!.scores);
  });

  test('V2 infer with a batch of 2: shape [2, 5], each row the photo\'s /predict scores', async () => {
    const a = await post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(photos.map((p) => p.tensor))] });
    expect(a.status).toBe(200);
    const out = (a.body as V2Answer).outputs[0]!;
    expect(out.shape).toEqual([2, 5]);
    close(out.data.slice(0, 5), photos[0]!.scores);
    close(out.data.slice(5), photos[1]!.scores);
  });

  test('TF Serving: model status; :predict row format (nested and flat instances) and columnar give /predict\'s scores', async () => {
    const status = { model_version_status: [{ version: '4.4.0', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] };
    expect(await get(`/v1/models/${NAME}`)).toEqual({ status: 200, body: status });
    expect(await get(`/v1/models/${NAME}/versions/4.4.0`)).toEqual({ status: 200, body: status });
    const rows = await post(`/v1/models/${NAME}:predict`, { instances: [nest(photos[0]!.tensor, [224, 224, 3]), Array.from(photos[1]!.tensor)] });
    expect(rows.status).toBe(200);
    const predictions = (rows.body as { predictions: number[][] }).predictions;
    expect(predictions).toHaveLength(2);
    close(predictions[0]!, photos[0]!.scores);
    close(predictions[1]!, photos[1]!.scores);
    const named = await post(`/v1/models/${NAME}/versions/4.4.0:predict`, { signature_name: 'serving_default', instances: [{ input: nest(photos[1]!.tensor, [224, 224, 3]) }] });
    close((named.body as { predictions: number[][] }).predictions[0]!, photos[1]!.scores);
    const columnar = await post(`/v1/models/${NAME}:predict`, { inputs: { input: photos.map((p) => nest(p.tensor, [224, 224, 3])) } });
    expect(columnar.status).toBe(200);
    const outputs = (columnar.body as { outputs: number[][] }).outputs;
    close(outputs[0]!, photos[0]!.scores);
    close(outputs[1]!, photos[1]!.scores);
  });

  test('V2 refusals: 404 unknown model / version, 400 malformed JSON, wrong shape, datatype, input name, data length, output; 405 wrong method', async () => {
    const t = [photos[0]!.tensor];
    await refused(post('/v2/models/resnet50/infer', { inputs: [v2Input(t)] }), 404, /unknown model "resnet50": this server serves "nsfw-mobilenet-v2-onnx"/);
    await refused(get('/v2/models/resnet50'), 404, /unknown model "resnet50"/);
    await refused(post(`/v2/models/${NAME}/versions/2/infer`, { inputs: [v2Input(t)] }), 404, /has no version "2": this server serves version "4.4.0"/);
    await refused(get(`/v2/models/${NAME}/versions/2/ready`), 404, /has no version "2"/);
    await refused(post(`/v2/models/${NAME}/infer`, '{"inputs": ['), 400, /malformed JSON body/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t, { shape: [1, 3, 224, 224] })] }), 400, /shape \[1, 3, 224, 224\]: this model takes \[-1, 224, 224, 3\] \(NHWC/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t, { shape: [150528] })] }), 400, /shape \[150528\]: this model takes \[-1, 224, 224, 3\]/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t, { datatype: 'INT8' })] }), 400, /datatype "INT8": this model takes FP32/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t, { name: 'images' })] }), 400, /unknown input "images": this model's input is "input"/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t, { shape: [2, 224, 224, 3] })] }), 400, /150528 values in data: shape \[2, 224, 224, 3\] needs 301056/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [v2Input(t)], outputs: [{ name: 'logits' }] }), 400, /unknown output "logits": this model's output is "probabilities"/);
    await refused(post(`/v2/models/${NAME}/infer`, { inputs: [] }), 400, /"inputs" must be a list/);
    await refused(get(`/v2/models/${NAME}/infer`), 405, /use POST/);
    await refused(post('/v2/health/live', {}), 405, /use GET/);
    await refused(get('/v2/repository/index'), 404, /no route GET \/v2\/repository\/index/);
  });

  test('TF Serving refusals: 404 model / version, 400 malformed JSON, an NCHW image, both or neither of instances / inputs, a wrong input name', async () => {
    const image = nest(photos[0]!.tensor, [224, 224, 3]);
    await refused(post('/v1/models/resnet50:predict', { instances: [image] }), 404, /unknown model "resnet50"/);
    await refused(get(`/v1/models/${NAME}/versions/7`), 404, /has no version "7"/);
    await refused(post(`/v1/models/${NAME}:predict`, 'instances='), 400, /malformed JSON body/);
    const nchw = [0, 1, 2].map((c) => Array.from({ length: 224 }, (_, y) => Array.from({ length: 224 }, (_, x) => photos[0]!.tensor[(y * 224 + x) * 3 + c]!)));
    await refused(post(`/v1/models/${NAME}:predict`, { instances: [nchw] }), 400, /instances\[0\] has shape \[3, 224, 224\]: this model takes one image per instance, \[224, 224, 3\] \(NHWC\) or 150528 flat values/);
    await refused(post(`/v1/models/${NAME}:predict`, { instances: [image], inputs: [image] }), 400, /exactly one of "instances"/);
    await refused(post(`/v1/models/${NAME}:predict`, {}), 400, /exactly one of "instances"/);
    await refused(post(`/v1/models/${NAME}:predict`, { instances: [{ images: image }] }), 400, /instances\[0\] names "images": this model's input is "input"/);
    await refused(post(`/v1/models/${NAME}:predict`, { inputs: image }), 400, /"inputs" has shape \[224, 224, 3\]: this model takes a batch \[-1, 224, 224, 3\]/);
    await refused(post(`/v1/models/${NAME}:classify`, { examples: [] }), 400, /:classify is not served/);
  });
});
