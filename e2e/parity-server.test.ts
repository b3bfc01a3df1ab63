/**
 * The parity harness against servers that answer the way real ones do
 * (tools/serve-model.ts --response …): an Open Inference Protocol V2 server
 * with every class's probability (raw body), and a FastAPI-style server that
 * takes a multipart upload (`UploadFile`, field "file") and answers only
 * { class_id, confidence } with a logit-like confidence. 3 photos, WASM only.
 * Full scores: top-1 agreement and probability deltas. Top-1 only: top-1
 * agreement only, and the report says so.
 */
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { groupForManifest } from '../tools/parity.js';
import { askRemote, formatTable, loadParityConfig, manifestLabels, type ParityReport, runParity } from '../tools/parity/run.js';
import { type ResponseShape, startServer } from '../tools/serve-model.js';
import type { ServerModel } from '../tools/server/model.js';
import { hasSharedData, imageFiles, SHARED_DATA } from '../tools/shared-data.js';
import { SKIP_NO_DATA } from './helpers/data.js';

const MODELS = join(import.meta.dirname, '..', 'public', 'models');
const TWIN = join(MODELS, 'nsfw-mobilenet-v2-onnx', 'manifest.json');
const ORIGINAL = join(MODELS, 'nsfw-mobilenet-v2', 'manifest.json');
const urlOf = (server: Server, path = '/predict') => {
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
};

describe.skipIf(!hasSharedData)(`parity against real-world server answers (--server-url) (${hasSharedData ? 'serve-model, 3 photos, wasm' : SKIP_NO_DATA})`, () => {
  const servers: { server: Server; model: ServerModel }[] = [];
  const urls: Partial<Record<ResponseShape, string>> = {};
  let report: ParityReport;

  beforeAll(async () => {
    for (const shape of ['v2', 'fastapi'] as const) {
      const s = await startServer(TWIN, 0, { response: shape });
      servers.push(s);
      urls[shape] = urlOf(s.server);
    }
    const labels = manifestLabels(ORIGINAL);
    const full = { ...groupForManifest(ORIGINAL), name: 'nsfw (v2 scores)', server: { url: urls.v2!, labels } };
    const top1 = { ...groupForManifest(ORIGINAL), name: 'nsfw (fastapi top-1)', server: { url: urls.fastapi!, labels, field: 'file' } };
    const dir = join(SHARED_DATA, 'photos');
    report = await runParity({ groups: [full, top1], images: imageFiles(dir).slice(0, 3).map((f) => join(dir, f)), backends: ['wasm'], gpuImages: 0, config: loadParityConfig() });
    console.log(formatTable(report));
  });
  afterAll(async () => {
    for (const { server, model } of servers) {
      await new Promise((resolve) => server.close(resolve));
      await model.release();
    }
  });

  const run = (model: string, engine: string, preprocess: string) => report.runs.find((r) => r.model === model && r.engine === engine && r.preprocess === preprocess);

  test('V2 full scores: top-1 agreement and probability deltas are reported', () => {
    expect(report.reference.runtime).toBe('remote server');
    for (const engine of ['tfjs', 'ort']) {
      expect(run('nsfw (v2 scores)', engine, 'tensor')?.status).toBe('unavailable'); // a remote server hides its tensor
      const canvas = run('nsfw (v2 scores)', engine, 'canvas')!;
      expect(canvas).toMatchObject({ status: 'pass', serverAnswer: 'scores', images: 3, top1Agreement: 1 });
      expect(canvas.maxAbsDiffProb).toBeLessThan(0.05);
      expect(canvas.top5Agreement).toBeGreaterThan(0.5);
      expect(canvas.note).toBeUndefined();
    }
  });

  test('FastAPI top-1 (multipart upload): only top-1 agreement is reported, and the report says so', () => {
    for (const engine of ['tfjs', 'ort']) {
      const canvas = run('nsfw (fastapi top-1)', engine, 'canvas')!;
      expect(canvas).toMatchObject({ status: 'pass', serverAnswer: 'top1', images: 3, top1Agreement: 1 });
      expect(canvas.note).toMatch(/top-1 agreement only/);
      // No invented probability deltas: the fields are absent, in the object and in the JSON.
      for (const key of ['top5Agreement', 'maxAbsDiffProb', 'meanAbsDiffProb'] as const) expect(canvas[key]).toBeUndefined();
      expect(JSON.stringify(canvas)).not.toMatch(/AbsDiff|top5/);
    }
    const table = formatTable(report);
    const rows = table.split('\n').filter((l) => l.startsWith('nsfw (fastapi top-1)') && l.includes('canvas'));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toContain('top-1 only');
      expect(row).toMatch(/1\.000\s+-\s+-\s+-\s+pass/); // top1, then top5 / max|Δp| / mean|Δp| blank
    }
    expect(table).toMatch(/server "top-1 only": the server answered only its top-1 class/);
    expect(report.ok).toBe(true);
  });
});

describe('an answer the harness cannot read', () => {
  let odd: Server;
  const contentTypes: string[] = [];
  beforeAll(async () => {
    odd = createServer((req, res) => {
      contentTypes.push(req.headers['content-type'] ?? '');
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', result: { verdict: 'maybe' } }));
      });
    });
    await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise((resolve) => odd.close(resolve)));

  test('fails naming the URL, the image, what was received and the --server-response hint', async () => {
    const labels = manifestLabels(ORIGINAL);
    const error = (await askRemote({ url: urlOf(odd), labels }, '/tmp/x.jpg', new Uint8Array([1, 2, 3])).then(() => undefined, (e: unknown) => e)) as Error;
    expect(error.message).toContain(urlOf(odd));
    expect(error.message).toContain('x.jpg');
    expect(error.message).toContain('{"status":"ok","result":{"verdict":"maybe"}}');
    expect(error.message).toContain('--server-response');
    // And with a path into the custom shape it reads (a label, not one of the model's: named).
    const wrong = (await askRemote({ url: urlOf(odd), labels, responsePath: 'result.verdict' }, '/tmp/x.jpg', new Uint8Array([1])).then(() => undefined, (e: unknown) => e)) as Error;
    expect(wrong.message).toMatch(/label "maybe", which is not one of the model's labels/);
    // Raw body by default (typed by the file's extension); multipart/form-data with `field`.
    await askRemote({ url: urlOf(odd), labels, field: 'file', responsePath: 'status' }, '/tmp/x.png', new Uint8Array([1])).catch(() => undefined);
    expect(contentTypes).toEqual(['image/jpeg', 'image/jpeg', expect.stringMatching(/^multipart\/form-data; boundary=/)]);
  });
});
