/**
 * npm run serve-model [-- --model public/models/nsfw-mobilenet-v2-onnx/manifest.json --port 8787 --response library]
 * One local server (127.0.0.1 only), three ways in (docs/serving.md has the wire shapes):
 * - POST /predict: the image bytes (raw body, or multipart/form-data with the file in any field, as
 *   FastAPI's `UploadFile` takes it) → JSON in the --response shape; the server preprocesses.
 * - Open Inference Protocol V2 (KServe / Triton): GET /v2, /v2/health/{live,ready},
 *   /v2/models/{name}[/versions/{v}][/ready]; POST /v2/models/{name}[/versions/{v}]/infer with a
 *   model-ready FP32 tensor (no preprocessing) → the scores.
 * - TF Serving REST: GET /v1/models/{name}[/versions/{v}]; POST /v1/models/{name}[/versions/{v}]:predict
 *   with { instances } (row) or { inputs } (columnar) model-ready tensors.
 * The tensor endpoints answer the model's raw outputs for that tensor (ServerModel.outputTensor), as
 * Triton, KServe and TF Serving do: the client applies the manifest's activation (for this model's
 * activation "none", that is exactly /predict's scores); their errors are { error } with 400 / 404 / 405 / 413.
 *
 * --response picks the /predict answer's shape, so the parity harness can be tested
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
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
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
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/v1/') || path === '/v2' || path.startsWith('/v2/')) {
      const answer = (body: Buffer | undefined) =>
        answerProtocol(model, { method: req.method ?? 'GET', path, body, binary: req.headers['inference-header-content-length'] !== undefined }).then(
          (a) => reply(a.status, a.body),
          (e: unknown) => reply(500, { error: `inference failed: ${e instanceof Error ? e.message : String(e)}` }),
        );
      if (req.method === 'POST') readBody(req, (body) => void answer(body));
      else void answer(undefined);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/predict') return reply(404, { error: `POST /predict with the image bytes as the body (or multipart/form-data); tensors: /v2/models/${model.manifest.name}/infer (Open Inference Protocol V2) or /v1/models/${model.manifest.name}:predict (TF Serving)` });
    readBody(req, (body) => {
      let image: Buffer;
      try {
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

/** Collects a request body up to MAX_BYTES; a bigger one is cut off (the connection destroyed, no answer). */
function readBody(req: IncomingMessage, onBody: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_BYTES) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => onBody(Buffer.concat(chunks)));
}

/** Every route, one line each, for the start-up message. */
export function describeEndpoints(model: ServerModel, base: string, response: ResponseShape): string[] {
  const m = `${base}/v2/models/${model.manifest.name}`;
  const v1 = `${base}/v1/models/${model.manifest.name}`;
  return [
    `POST ${base}/predict   image bytes → the ${response} answer`,
    `GET  ${base}/v2, /v2/health/live, /v2/health/ready   (Open Inference Protocol V2)`,
    `GET  ${m}[/versions/${model.manifest.version}][/ready]`,
    `POST ${m}[/versions/${model.manifest.version}]/infer   "${model.io.input}" FP32 [${[-1, ...model.io.itemShape].join(', ')}] → "${model.io.output}" FP32 [-1, ${model.io.classes}]`,
    `GET  ${v1}[/versions/${model.manifest.version}]   (TF Serving REST)`,
    `POST ${v1}[/versions/${model.manifest.version}]:predict   { instances } → { predictions }, { inputs } → { outputs }`,
  ];
}

/* ---------------------------------------------------------------- V2 and TF Serving */

/** A request the tensor protocols refuse, answered `{ error: message }` with `status`. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface ProtocolRequest {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The body of a POST (undefined for GET). */
  body?: Buffer | undefined;
  /** An `Inference-Header-Content-Length` header was sent (V2 binary tensor data, not supported). */
  binary?: boolean | undefined;
}

const SERVER_VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const V2_MODEL = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;
const V1_MODEL = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?(:predict|:classify|:regress)?$/;

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const dims = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Answers a V2 or TF Serving request (the path starts /v2 or /v1) for the one model served.
 * @returns the status and JSON body; a refused request is `{ error }` with 400 / 404 / 405
 * @throws what the model itself throws while running (the server answers 500)
 */
export async function answerProtocol(model: ServerModel, request: ProtocolRequest): Promise<{ status: number; body: unknown }> {
  try {
    return { status: 200, body: await route(model, request) };
  } catch (error) {
    if (error instanceof ProtocolError) return { status: error.status, body: { error: error.message } };
    throw error;
  }
}

async function route(model: ServerModel, { method, path, body, binary }: ProtocolRequest): Promise<unknown> {
  const { manifest, io } = model;
  const allow = (m: 'GET' | 'POST') => {
    if (method !== m) throw new ProtocolError(405, `${method} ${path}: use ${m}`);
  };
  if (path === '/v2' || path === '/v2/') {
    allow('GET');
    return { name: 'inpage-classifier', version: SERVER_VERSION, extensions: [] };
  }
  if (path === '/v2/health/live' || path === '/v2/health/ready') {
    allow('GET');
    return path.endsWith('live') ? { live: true } : { ready: true };
  }
  const v2 = V2_MODEL.exec(path);
  if (v2) {
    checkModel(model, v2[1]!, v2[2]);
    if (v2[3] === '/ready') {
      allow('GET');
      return { name: manifest.name, ready: true };
    }
    if (v2[3] === '/infer') {
      allow('POST');
      if (binary) throw new ProtocolError(400, 'binary tensor data (Inference-Header-Content-Length) is not supported: send the tensor as JSON "data"');
      return inferV2(model, parseBody(body));
    }
    allow('GET');
    return {
      name: manifest.name,
      versions: [manifest.version],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: io.input, datatype: 'FP32', shape: [-1, ...io.itemShape] }],
      outputs: [{ name: io.output, datatype: 'FP32', shape: [-1, io.classes] }],
    };
  }
  const v1 = V1_MODEL.exec(path);
  if (v1) {
    checkModel(model, v1[1]!, v1[2]);
    if (!v1[3]) {
      allow('GET');
      return { model_version_status: [{ version: manifest.version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] };
    }
    allow('POST');
    if (v1[3] !== ':predict') throw new ProtocolError(400, `${v1[3]} is not served: this is a classifier's :predict (scores per image)`);
    return predictV1(model, parseBody(body));
  }
  throw new ProtocolError(404, `no route ${method} ${path}: GET /v2, /v2/health/live, /v2/models/${manifest.name}[/ready]; POST /v2/models/${manifest.name}/infer; GET /v1/models/${manifest.name}; POST /v1/models/${manifest.name}:predict`);
}

/** 404 unless the name is the manifest's name (or its `id`) and the version, if given, the manifest's version. */
function checkModel(model: ServerModel, rawName: string, rawVersion: string | undefined): void {
  const { manifest } = model;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new ProtocolError(400, `"${s}" is not a valid URL path segment`);
    }
  };
  const name = decode(rawName);
  const names = [manifest.name, ...('id' in manifest && typeof manifest.id === 'string' ? [manifest.id] : [])];
  if (!names.includes(name)) throw new ProtocolError(404, `unknown model "${name}": this server serves "${manifest.name}"`);
  const version = rawVersion === undefined ? undefined : decode(rawVersion);
  if (version !== undefined && version !== manifest.version) throw new ProtocolError(404, `model "${manifest.name}" has no version "${version}": this server serves version "${manifest.version}"`);
}

function parseBody(body: Buffer | undefined): Json {
  let value: unknown;
  try {
    value = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
  } catch (error) {
    throw new ProtocolError(400, `malformed JSON body: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(value)) throw new ProtocolError(400, 'the body must be a JSON object');
  return value;
}

/**
 * A JSON tensor, flat or nested lists of numbers → its row-major values and its nesting shape.
 * @throws ProtocolError (400) for ragged lists or non-numbers
 */
export function flattenTensor(value: unknown, what: string): { data: number[]; shape: number[] } {
  const data: number[] = [];
  const shape: number[] = [];
  let leaf = -1; // the depth numbers sit at, once one is seen
  const ragged = () => new ProtocolError(400, `${what} is not a rectangular list of numbers`);
  const walk = (v: unknown, depth: number) => {
    if (Array.isArray(v)) {
      if (leaf >= 0 && depth >= leaf) throw ragged();
      if (shape.length === depth) shape.push(v.length);
      else if (shape[depth] !== v.length) throw ragged();
      for (const x of v) walk(x, depth + 1);
    } else if (typeof v === 'number') {
      if (leaf < 0) leaf = depth;
      if (depth !== leaf || depth !== shape.length) throw ragged();
      data.push(v);
    } else throw new ProtocolError(400, `${what} holds ${v === null ? 'null' : typeof v}, not numbers`);
  };
  if (!Array.isArray(value)) throw new ProtocolError(400, `${what} must be a list of numbers (flat or nested)`);
  walk(value, 0);
  return { data, shape };
}

async function inferV2(model: ServerModel, request: Json): Promise<unknown> {
  const { manifest, io } = model;
  const want = [-1, ...io.itemShape];
  const layout = manifest.input.layout === 'NCHW' ? 'NCHW: batch, channels, height, width' : 'NHWC: batch, height, width, channels';
  if (request.id !== undefined && typeof request.id !== 'string') throw new ProtocolError(400, '"id" must be a string');
  const { inputs } = request;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new ProtocolError(400, `"inputs" must be a list of { name, shape, datatype, data }: this model takes "${io.input}", FP32 ${dims(want)}`);
  if (inputs.length !== 1) throw new ProtocolError(400, `this model takes 1 input ("${io.input}"), the request has ${inputs.length}`);
  const input: unknown = inputs[0];
  if (!isRecord(input)) throw new ProtocolError(400, 'inputs[0] must be an object { name, shape, datatype, data }');
  if (input.name !== io.input) throw new ProtocolError(400, `unknown input ${JSON.stringify(input.name)}: this model's input is "${io.input}"`);
  if (input.datatype !== 'FP32') throw new ProtocolError(400, `input "${io.input}" has datatype ${JSON.stringify(input.datatype)}: this model takes FP32`);
  const { shape } = input;
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && d >= 0)) throw new ProtocolError(400, `input "${io.input}": shape must be a list of non-negative integers, e.g. ${dims([1, ...io.itemShape])}`);
  if (shape.length !== want.length || shape[0]! < 1 || shape.slice(1).some((d, i) => d !== io.itemShape[i])) {
    throw new ProtocolError(400, `input "${io.input}" has shape ${dims(shape)}: this model takes ${dims(want)} (${layout}; batch ≥ 1)`);
  }
  if (isRecord(input.parameters) && input.parameters.binary_data_size !== undefined) throw new ProtocolError(400, 'binary tensor data (binary_data_size) is not supported: send the tensor as JSON "data"');
  const { data } = flattenTensor(input.data, `input "${io.input}" data`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new ProtocolError(400, `input "${io.input}" has ${data.length} values in data: shape ${dims(shape)} needs ${count}`);
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) throw new ProtocolError(400, '"outputs" must be a list of { name }');
    for (const o of request.outputs as unknown[]) {
      const name = isRecord(o) ? o.name : undefined;
      if (name !== io.output) throw new ProtocolError(400, `unknown output ${JSON.stringify(name)}: this model's output is "${io.output}"`);
    }
  }
  const batch = shape[0]!;
  const scores = await model.outputTensor(Float32Array.from(data), batch);
  return {
    model_name: manifest.name,
    model_version: manifest.version,
    ...(request.id !== undefined ? { id: request.id } : {}),
    outputs: [{ name: io.output, shape: [batch, scores[0]!.length], datatype: 'FP32', data: scores.flatMap((s) => Array.from(s)) }],
  };
}

/** TF Serving :predict: `{ instances: [image, ...] }` → `{ predictions }`, `{ inputs: batch }` → `{ outputs }` (its columnar answer). */
async function predictV1(model: ServerModel, request: Json): Promise<unknown> {
  const { io, manifest } = model;
  const size = io.itemShape.reduce((a, b) => a * b, 1);
  const image = `${dims(io.itemShape)} (${manifest.input.layout}) or ${size} flat values`;
  const named = (v: unknown, what: string): unknown => {
    if (!isRecord(v)) return v;
    if (!(io.input in v)) throw new ProtocolError(400, `${what} names ${Object.keys(v).map((k) => `"${k}"`).join(', ') || 'no input'}: this model's input is "${io.input}"`);
    return v[io.input];
  };
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (('instances' in request) === ('inputs' in request)) throw new ProtocolError(400, 'the body must have exactly one of "instances" (row format, one image each) or "inputs" (columnar, a batch)');
  let tensor: number[];
  let batch: number;
  if ('instances' in request) {
    const { instances } = request;
    if (!Array.isArray(instances) || instances.length === 0) throw new ProtocolError(400, `"instances" must be a non-empty list of images, each ${image}`);
    tensor = [];
    instances.forEach((instance: unknown, i) => {
      const { data, shape } = flattenTensor(named(instance, `instances[${i}]`), `instances[${i}]`);
      if (!same(shape, io.itemShape) && !same(shape, [size])) throw new ProtocolError(400, `instances[${i}] has shape ${dims(shape)}: this model takes one image per instance, ${image}`);
      for (const x of data) tensor.push(x);
    });
    batch = instances.length;
  } else {
    const { data, shape } = flattenTensor(named(request.inputs, '"inputs"'), '"inputs"');
    if (shape.length < 2 || shape[0] === 0 || (!same(shape.slice(1), io.itemShape) && !same(shape.slice(1), [size]))) {
      throw new ProtocolError(400, `"inputs" has shape ${dims(shape)}: this model takes a batch ${dims([-1, ...io.itemShape])} (${manifest.input.layout}) or ${dims([-1, size])}`);
    }
    tensor = data;
    batch = shape[0]!;
  }
  const rows = (await model.outputTensor(Float32Array.from(tensor), batch)).map((s) => Array.from(s));
  return 'instances' in request ? { predictions: rows } : { outputs: rows };
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
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : values.port}`;
  console.log(`serve-model: ${model.manifest.name}@${model.manifest.version} (${model.runtime.name} ${model.runtime.version}) on ${base}`);
  for (const line of describeEndpoints(model, base, values.response as ResponseShape)) console.log(`  ${line}`);
}
