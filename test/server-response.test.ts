/**
 * tools/parity/server-response.ts: what real prediction servers answer →
 * every class's score, or the server's top-1 only. Every shape the parity
 * harness's --server-url accepts, the --server-response path, and the errors.
 */
import { describe, expect, test } from 'vitest';
import { parsePath, readServerResponse, ServerResponseError } from '../tools/parity/server-response.js';
import { multipartFile, shapeResponse } from '../tools/serve-model.js';
import type { ServerModel } from '../tools/server/model.js';

const labels = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
const probs = [0.05, 0.1, 0.6, 0.15, 0.1];
const read = (body: unknown, path?: string) => readServerResponse(body, { labels, ...(path ? { path } : {}) });
const scoresOf = (body: unknown, path?: string) => {
  const answer = read(body, path);
  expect(answer.kind).toBe('scores');
  return Array.from((answer as { scores: Float32Array }).scores);
};
const close = (got: number[], want: number[]) => {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
};

describe('full scores', () => {
  test('the library / serve-model shape { top, scores, model, version }: scores win over the top-5', () => {
    close(scoresOf({ top: [{ label: 'Neutral', index: 2, score: 0.6 }], scores: probs, model: 'm', version: '1' }), probs);
  });
  test('{ scores: [...] }, { probabilities: [...] }, { probs: [...] }, a bare list', () => {
    close(scoresOf({ scores: probs }), probs);
    close(scoresOf({ probabilities: probs }), probs);
    close(scoresOf({ probs }), probs);
    close(scoresOf(probs), probs);
  });
  test('TF Serving { predictions: [[...]] } (one row), and named outputs { predictions: [{ probabilities: [...] }] }', () => {
    close(scoresOf({ predictions: [probs] }), probs);
    close(scoresOf({ predictions: [{ probabilities: probs, classes: 2 }] }), probs);
    close(scoresOf({ outputs: { probs } }), probs); // TF Serving columnar format
  });
  test('Open Inference Protocol V2 { outputs: [{ name, shape, datatype, data }] }, shape [1, C] or [C]', () => {
    close(scoresOf({ model_name: 'nsfw', outputs: [{ name: 'probabilities', shape: [1, 5], datatype: 'FP32', data: probs }] }), probs);
    close(scoresOf({ outputs: [{ name: 'p', shape: [5], datatype: 'FP32', data: probs }] }), probs);
    close(scoresOf({ outputs: [{ name: 'p', shape: [1, 5], datatype: 'FP32', data: [probs] }] }), probs); // nested data
  });
  test('a top-k list naming every class once counts as full scores: { top: [...] } and Hugging Face [{ label, score }]', () => {
    const sorted = labels.map((label, index) => ({ label, index, score: probs[index]! })).sort((a, b) => b.score - a.score);
    close(scoresOf({ top: sorted.map(({ index, score }) => ({ index, score })) }), probs);
    close(scoresOf(sorted.map(({ label, score }) => ({ label, score }))), probs);
    close(scoresOf(sorted.map(({ label, score }) => ({ label: label.toLowerCase(), score }))), probs); // labels match case-insensitively
  });
});

describe('top-1 only', () => {
  test('FastAPI { class_id, confidence } (a raw logit is kept as the score, not read as a probability)', () => {
    expect(read({ class_id: 3, confidence: 7.25 })).toEqual({ kind: 'top1', index: 3, label: 'Porn', score: 7.25 });
  });
  test('{ label, score }, { prediction: "Sexy" }, { class: 1 }, a bare label or index', () => {
    expect(read({ label: 'Neutral', score: 0.9 })).toEqual({ kind: 'top1', index: 2, label: 'Neutral', score: 0.9 });
    expect(read({ prediction: 'Sexy' })).toEqual({ kind: 'top1', index: 4, label: 'Sexy' });
    expect(read({ class: 1 })).toEqual({ kind: 'top1', index: 1, label: 'Hentai' });
    expect(read('Drawing')).toEqual({ kind: 'top1', index: 0, label: 'Drawing' });
    expect(read(4)).toEqual({ kind: 'top1', index: 4, label: 'Sexy' });
  });
  test('a partial top-k list is top-1 only (missing classes are not invented as 0): its best entry', () => {
    expect(read({ top: [{ index: 2, score: 0.6 }, { index: 3, score: 0.15 }, { index: 1, score: 0.1 }] })).toEqual({ kind: 'top1', index: 2, label: 'Neutral', score: 0.6 });
    expect(read([{ label: 'Porn', score: 0.2 }, { label: 'Neutral', score: 0.7 }])).toEqual({ kind: 'top1', index: 2, label: 'Neutral', score: 0.7 });
    // Every class listed but one twice: not a complete list.
    expect(read({ top: [0, 1, 2, 3, 3].map((index) => ({ index, score: index / 10 })) }).kind).toBe('top1');
  });
  test('V2 with a BYTES label or INT64 class output', () => {
    expect(read({ outputs: [{ name: 'label', shape: [1], datatype: 'BYTES', data: ['Porn'] }] })).toEqual({ kind: 'top1', index: 3, label: 'Porn' });
    expect(read({ outputs: [{ name: 'class', shape: [1], datatype: 'INT64', data: [2] }] })).toEqual({ kind: 'top1', index: 2, label: 'Neutral' });
  });
  test('without labels, an index still reads; a complete list cannot be known so it is top-1', () => {
    expect(readServerResponse({ class_id: 7, confidence: 1 })).toEqual({ kind: 'top1', index: 7, score: 1 });
    expect(readServerResponse({ top: [{ index: 0, score: 0.9 }, { index: 1, score: 0.1 }] })).toEqual({ kind: 'top1', index: 0, score: 0.9 });
  });
});

describe('--server-response path', () => {
  test('dot and bracket paths, numbers index arrays', () => {
    expect(parsePath('outputs.0.data')).toEqual(['outputs', '0', 'data']);
    expect(parsePath('outputs[0].data')).toEqual(['outputs', '0', 'data']);
    expect(parsePath('result["probs"]')).toEqual(['result', 'probs']);
  });
  test('points at scores in a custom shape', () => {
    close(scoresOf({ ok: true, result: { probs, logits: [1, 2, 3, 4, 5] } }, 'result.probs'), probs);
    close(scoresOf({ outputs: [{ name: 'logits', data: [9, 9, 9, 9, 9] }, { name: 'probs', data: probs }] }, 'outputs.1.data'), probs);
  });
  test('picks a V2 output by name when there are several', () => {
    const body = { outputs: [{ name: 'logits', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4, 5] }, { name: 'probabilities', shape: [1, 5], datatype: 'FP32', data: probs }] };
    close(scoresOf(body, 'outputs.probabilities.data'), probs);
    close(scoresOf(body, 'outputs.probabilities'), probs);
  });
  test('points at a top-1 field', () => {
    expect(read({ data: { result: { cls: 3, p: 0.9 } } }, 'data.result.cls')).toEqual({ kind: 'top1', index: 3, label: 'Porn' });
  });
  test('a path that is not there names where it stopped and what was there', () => {
    expect(() => read({ result: { logits: probs } }, 'result.probs')).toThrow(/"result" has no "probs" \(it is keys logits\)/);
    expect(() => read({ outputs: [] }, 'outputs.0.data')).toThrow(/"outputs" has no "0" \(it is an array of 0\)/);
  });
});

describe('errors name what was received', () => {
  const fails = (body: unknown, pattern: RegExp, path?: string) => {
    let error: unknown;
    try {
      read(body, path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ServerResponseError);
    expect((error as Error).message).toMatch(pattern);
    expect((error as Error).message).toMatch(/Received: /);
    return (error as Error).message;
  };
  test('an unknown object: its keys, the body and the --server-response hint', () => {
    const message = fails({ status: 'ok', answer_vector: 'x' }, /an object with keys status, answer_vector, none of which holds/);
    expect(message).toContain('{"status":"ok","answer_vector":"x"}');
    expect(message).toContain('--server-response');
  });
  test('scores of the wrong length', () => {
    fails({ scores: [0.5, 0.5] }, /"?scores"? has 2 scores; the model has 5 classes/);
  });
  test('a label the model does not have, an index out of range', () => {
    fails({ label: 'cat', score: 0.9 }, /label "cat", which is not one of the model's labels \(Drawing, Hentai, Neutral, Porn, Sexy\)/);
    fails({ class_id: 9, confidence: 1 }, /class index 9 is outside the model's 5 classes/);
  });
  test('a batch of several rows, several V2 outputs without a path, null, a float', () => {
    fails({ predictions: [probs, probs] }, /holds 2 rows; one image was sent/);
    fails({ outputs: [{ name: 'a', datatype: 'FP32', data: probs }, { name: 'b', datatype: 'FP32', data: probs }] }, /has 2 outputs \(a, b\); pick one with --server-response outputs.<name>.data/);
    fails(null, /the answer is null/);
    fails(0.93, /single number 0.93/);
  });
  test('a long body is truncated in the message', () => {
    const message = fails({ junk: 'x'.repeat(2000) }, /none of which/);
    expect(message).toMatch(/… \(\d+ chars\)/);
    expect(message.length).toBeLessThan(800);
  });
});

describe('every tools/serve-model --response shape reads back (round trip)', () => {
  const model = { labels, manifest: { name: 'nsfw-mobilenet-v2-onnx', version: '4.4.0' } } as never as ServerModel;
  const scores = Float32Array.from(probs);
  test.each([
    ['library', 'scores'],
    ['scores', 'scores'],
    ['v2', 'scores'],
    ['tfserving', 'scores'],
    ['hf', 'scores'], // top 5 of 5 classes: complete
    ['top', 'top1'], // top 3 of 5: top-1 only
    ['fastapi', 'top1'],
  ] as const)('%s → %s', (shape, kind) => {
    const body = JSON.parse(JSON.stringify(shapeResponse(shape, model, scores))) as unknown;
    const answer = read(body);
    expect(answer.kind).toBe(kind);
    if (answer.kind === 'scores') close(Array.from(answer.scores), probs);
    else expect(answer.index).toBe(2);
  });
  test('fastapi confidence is not a probability (ln p, a logit stand-in)', () => {
    expect(shapeResponse('fastapi', model, scores)).toEqual({ class_id: 2, confidence: Math.log(Math.fround(0.6)) });
  });
  test('multipartFile takes the uploaded file out of a multipart/form-data body (FastAPI UploadFile style)', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256); // includes CR/LF bytes
    const form = new FormData();
    form.append('note', 'hello');
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'photo.jpg');
    const request = new Request('http://x/predict', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    expect([...multipartFile(body, request.headers.get('content-type')!)]).toEqual([...bytes]);
    expect(() => multipartFile(body, 'multipart/form-data')).toThrow(/without a boundary/);
  });
});
