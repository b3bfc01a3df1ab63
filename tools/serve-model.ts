/**
 * npm run serve-model [-- --model public/models/nsfw-mobilenet-v2-onnx/manifest.json --port 8787 --response library]
 * A tiny /predict endpoint: POST the image bytes (raw body, or
 * multipart/form-data with the file in any field, as FastAPI's `UploadFile`
 * takes it), get JSON back. Listens on 127.0.0.1 only.
 *
 * --response picks the answer's shape, so the parity harness can be tested
 * against what real servers return:
 * - library (default): the library's result shape { top: [{label, index, score}], scores, model, version }
 *   (`scores`: every class's probability, for parity checks)
 * - fastapi: { class_id, confidence } — a typical FastAPI /predict; `confidence` is ln(p), standing
 *   in for the raw logit such servers return (not a probability)
 * - scores: { scores: [...] }
 * - top: { top: [{ index, score }] } for the top 3 classes only
 * - hf: Hugging Face pipeline [{ label, score }] sorted by score (top 5, its default top_k)
 * - v2: Open Inference Protocol V2 { model_name, model_version, outputs: [{ name, shape, datatype, data }] }
 * - tfserving: TF Serving REST { predictions: [[...]] }
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { topK } from '../src/postprocess/scores.js';
import { loadServerModel, type ServerModel } from './server/model.js';

const MAX_BYTES = 20 * 1024 * 1024;

export const RESPONSE_SHAPES = ['library', 'fastapi', 'scores', 'top', 'hf', 'v2', 'tfserving'] as const;
export type ResponseShape = (typeof RESPONSE_SHAPES)[number];

export interface ServeOptions {
  /** @defaultValue 'library' */
  response?: ResponseShape;
}

/** The answer in the chosen shape, for one prediction. */
export function shapeResponse(shape: ResponseShape, model: ServerModel, scores: Float32Array): unknown {
  const all = Array.from(scores);
  const best = topK(scores, model.labels, 1)[0]!;
  switch (shape) {
    case 'library':
      return { top: topK(scores, model.labels, 5), scores: all, model: model.manifest.name, version: model.manifest.version };
    case 'fastapi':
      return { class_id: best.index, confidence: Math.log(best.score) };
    case 'scores':
      return { scores: all };
    case 'top':
      return { top: topK(scores, model.labels, 3).map((c) => ({ index: c.index, score: c.score })) };
    case 'hf':
      return topK(scores, model.labels, 5).map((c) => ({ label: c.label, score: c.score }));
    case 'v2':
      return { model_name: model.manifest.name, model_version: model.manifest.version, outputs: [{ name: 'probabilities', shape: [1, all.length], datatype: 'FP32', data: all }] };
    case 'tfserving':
      return { predictions: [all] };
  }
}

/**
 * The file in a multipart/form-data body: the first part with a filename
 * (else the first part). Enough for curl -F, requests, fetch's FormData.
 */
export function multipartFile(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error('multipart/form-data without a boundary');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]!.trim()}`);
  const parts: { headers: string; data: Buffer }[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the delimiter, before the next
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) parts.push({ headers: part.subarray(0, split).toString('utf8'), data: part.subarray(split + 4) });
    start = next;
  }
  const file = parts.find((p) => /filename=/i.test(p.headers)) ?? parts[0];
  if (!file) throw new Error('multipart/form-data body has no parts');
  return file.data;
}

export async function startServer(manifestPath: string, port: number, options: ServeOptions = {}) {
  const shape = options.response ?? 'library';
  if (!RESPONSE_SHAPES.includes(shape)) throw new Error(`--response ${shape}: expected one of ${RESPONSE_SHAPES.join(', ')}`);
  const model = await loadServerModel(manifestPath);
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/predict') return reply(404, { error: 'POST /predict with the image bytes as the body (or multipart/form-data)' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let image: Buffer;
      try {
        const body = Buffer.concat(chunks);
        const type = req.headers['content-type'] ?? '';
        image = /^multipart\/form-data/i.test(type) ? multipartFile(body, type) : body;
      } catch (e) {
        return reply(400, { error: e instanceof Error ? e.message : String(e) });
      }
      model.predict(image).then(
        (p) => reply(200, shapeResponse(shape, model, p.scores)),
        (e: unknown) => reply(400, { error: e instanceof Error ? e.message : String(e) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, model };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'public/models/nsfw-mobilenet-v2-onnx/manifest.json' },
      port: { type: 'string', default: process.env.PORT ?? '8787' },
      response: { type: 'string', default: 'library' },
    },
  });
  if (!(RESPONSE_SHAPES as readonly string[]).includes(values.response!)) {
    console.error(`serve-model: --response ${values.response}: expected one of ${RESPONSE_SHAPES.join(', ')}`);
    process.exit(2);
  }
  const { server, model } = await startServer(values.model!, Number(values.port), { response: values.response as ResponseShape });
  const address = server.address();
  console.log(`serve-model: ${model.manifest.name}@${model.manifest.version} on http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}/predict (${values.response} answers)`);
}
