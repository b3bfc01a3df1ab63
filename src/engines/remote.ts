/**
 * The remote engine (`createClassifier({ remote })`): the page decodes and
 * preprocesses exactly as for local inference, and an inference server runs
 * the model on that tensor, so a remote answer equals a local one on the same
 * tensor. Two wire protocols, each as its public spec has it:
 *
 * - Open Inference Protocol V2 (KServe, NVIDIA Triton, Seldon MLServer,
 *   OpenVINO Model Server): `POST {url}/v2/models/{name}[/versions/{v}]/infer`
 *   with `{ inputs: [{ name, shape, datatype: 'FP32', data }] }`, reading
 *   `outputs[0].data`; before the first call, `GET /v2/models/{name}` checks
 *   the input name and shape against the manifest.
 * - TF Serving REST: `POST {url}/v1/models/{name}[/versions/{v}]:predict`
 *   with `{ instances: [...] }` (one nested array per image), reading
 *   `predictions`.
 *
 * Retries with exponential backoff on 5xx, 429 and network failures only
 * (a 4xx is the request's fault: retrying cannot help); every failure is a
 * ClassifierError REMOTE_FAILED with the status and an excerpt of the body.
 * With `fallback: 'local'`, a server that cannot be reached counts as a lost
 * backend: the classifier moves to the local backends, as after a GPU loss.
 */
import { ClassifierError, describeError } from '../errors.js';
import type { LoadedModel } from '../manifest/load.js';
import type { ResolvedRemote } from '../options.js';
import { tensorShape } from '../preprocess/tensor.js';
import type { Engine } from './engine.js';

const EXCERPT = 300;

function remoteError(message: string, details: Record<string, unknown>, cause?: unknown): ClassifierError {
  return new ClassifierError('REMOTE_FAILED', message, { details, ...(cause === undefined ? {} : { cause }) });
}

/** A failure worth another try (and, with fallback: 'local', a lost server): network, 5xx, 429. */
class Retryable extends Error {
  override readonly name = 'RemoteUnreachable';
  constructor(message: string, readonly status: number | null, readonly body: string, readonly retryAfterMs: number | null) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The image's tensor as a nested array (TF Serving's `instances` take each image in its own shape). */
function nested(data: Float32Array, dims: readonly number[], offset = 0): unknown[] {
  const [n, ...rest] = dims;
  if (rest.length === 0) return Array.from(data.subarray(offset, offset + n!));
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: n! }, (_, i) => nested(data, rest, offset + i * step));
}

function flatNumbers(value: unknown, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) flatNumbers(v, out);
  else out.push(value as number);
  return out;
}

/**
 * HTTP to the inference server: timeout, retries with backoff on 5xx/429/network
 * only, REMOTE_FAILED otherwise; with fallback 'local', an unreachable server
 * marks itself `lost` and throws a plain error (the failover's signal).
 */
class RemoteClient {
  readonly #remote: ResolvedRemote;
  /** Set once the server was given up on (fallback: 'local'). */
  lost: string | null = null;

  constructor(remote: ResolvedRemote) {
    this.#remote = remote;
  }

  /** One request with retries; JSON out. Throws REMOTE_FAILED, or (fallback local, server unreachable) a plain error after marking the engine lost. */
  async send(method: 'GET' | 'POST', url: string, body: BodyInit | undefined, contentType?: string): Promise<unknown> {
    const { retries, timeoutMs, headers } = this.#remote;
    let last: Retryable | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(Math.min(5000, last?.retryAfterMs ?? 200 * 2 ** (attempt - 1)));
      try {
        return await this.#once(method, url, body, contentType, headers, timeoutMs);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        last = error;
      }
    }
    const reason = `${url}: ${last!.message} (after ${retries + 1} attempts)`;
    if (this.#remote.fallback === 'local') {
      this.lost = reason;
      throw new Error(reason);
    }
    throw remoteError(`The inference server failed: ${reason}${last!.body ? `; body: ${last!.body}` : ''}`, { url, status: last!.status, body: last!.body, attempts: retries + 1, unreachable: true });
  }

  async #once(method: 'GET' | 'POST', url: string, body: BodyInit | undefined, contentType: string | undefined, headers: Record<string, string>, timeoutMs: number): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, {
        method, body, signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}), ...headers },
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new Retryable(timedOut ? `no answer within ${timeoutMs} ms (remote.timeoutMs)` : `the request failed (${describeError(error)})`, null, '', null);
    }
    const text = await response.text().catch(() => '');
    const excerpt = text.slice(0, EXCERPT);
    if (response.status >= 500 || response.status === 429) {
      const after = Number(response.headers.get('retry-after'));
      throw new Retryable(`HTTP ${response.status}`, response.status, excerpt, Number.isFinite(after) && after > 0 ? after * 1000 : null);
    }
    if (!response.ok) throw remoteError(`${method} ${url} answered HTTP ${response.status}${response.status === 404 ? ' (no such model or version on the server: check remote.model and remote.version)' : ''}: ${excerpt}`, { url, status: response.status, body: excerpt });
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw remoteError(`${method} ${url} answered malformed JSON: ${excerpt}`, { url, status: response.status, body: excerpt }, error);
    }
  }

}

export class RemoteEngine implements Engine {
  readonly engine = 'remote' as const;
  readonly backend = 'remote' as const;
  readonly maxBatch: number;
  readonly maxConcurrent: number;
  readonly #remote: ResolvedRemote;
  readonly #model: LoadedModel;
  readonly #dims: number[];
  readonly #classes: number;
  #inputName: string;
  readonly #client: RemoteClient;
  #disposed = false;

  constructor(model: LoadedModel, remote: ResolvedRemote, inputName: string) {
    this.#model = model;
    this.#remote = remote;
    this.#inputName = inputName;
    this.#client = new RemoteClient(remote);
    const { input } = model.manifest;
    this.#dims = tensorShape(input.size, input.layout, input.channels).slice(1);
    this.#classes = model.labels.length + (model.manifest.output.labelOffset ?? 0);
    this.maxBatch = remote.maxBatch;
    this.maxConcurrent = remote.maxConcurrent;
  }

  /** The server's model path: `{url}/v2/models/{name}[/versions/{v}]` or `{url}/v1/models/{name}[/versions/{v}]`. */
  get modelUrl(): string {
    const { url, protocol, model, version } = this.#remote;
    const base = url.replace(/\/+$/, '');
    return `${base}/${protocol === 'v2' ? 'v2' : 'v1'}/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
  }

  /** With fallback: 'local', the reason the server was given up on (ResilientEngine then moves to the local backends). */
  isLost(): string | null {
    return this.#client.lost;
  }

  /**
   * Checks the server before the first call: V2 model metadata (its input name
   * and shape against the manifest); TF Serving's model status.
   */
  async check(): Promise<void> {
    const json = await this.#client.send('GET', this.modelUrl, undefined);
    if (this.#remote.protocol === 'tfserving') {
      const status = (json as { model_version_status?: { state?: string }[] }).model_version_status;
      if (Array.isArray(status) && status.length > 0 && !status.some((s) => s.state === 'AVAILABLE')) {
        throw remoteError(`${this.modelUrl}: TF Serving reports no AVAILABLE version (${JSON.stringify(status).slice(0, EXCERPT)}).`, { url: this.modelUrl });
      }
      return;
    }
    const inputs = (json as { inputs?: { name?: unknown; shape?: unknown; datatype?: unknown }[] }).inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) throw remoteError(`${this.modelUrl}: the V2 model metadata lists no inputs.`, { url: this.modelUrl, body: JSON.stringify(json).slice(0, EXCERPT) });
    const input = inputs.find((i) => i.name === this.#inputName) ?? (inputs.length === 1 ? inputs[0]! : undefined);
    if (!input) throw remoteError(`${this.modelUrl}: no input named "${this.#inputName}" (the server has ${inputs.map((i) => String(i.name)).join(', ')}).`, { url: this.modelUrl });
    this.#inputName = String(input.name);
    const shape = Array.isArray(input.shape) ? input.shape.map(Number) : [];
    // The image dimensions must agree; the batch dimension may be -1 (dynamic), or absent when the server leaves it out.
    const dims = shape.length === this.#dims.length + 1 ? shape.slice(1) : shape;
    if (dims.length !== this.#dims.length || dims.some((d, i) => d !== -1 && d !== this.#dims[i])) {
      throw remoteError(`${this.modelUrl}: the server's input "${this.#inputName}" has shape [${shape.join(', ')}], the manifest's preprocessing makes [batch, ${this.#dims.join(', ')}] (${this.#model.manifest.input.layout}).`, {
        url: this.modelUrl, serverShape: shape, manifestShape: this.#dims,
      });
    }
    if (input.datatype !== undefined && input.datatype !== 'FP32') throw remoteError(`${this.modelUrl}: the server's input is ${String(input.datatype)}; the library sends FP32.`, { url: this.modelUrl });
  }

  async run(input: Float32Array, batch = 1): Promise<Float32Array> {
    if (this.#disposed) throw new Error('the remote engine was disposed');
    const { protocol } = this.#remote;
    const body = protocol === 'v2'
      ? { inputs: [{ name: this.#inputName, shape: [batch, ...this.#dims], datatype: 'FP32', data: Array.from(input) }] }
      : { instances: Array.from({ length: batch }, (_, i) => nested(input, this.#dims, i * (input.length / batch))) };
    const url = protocol === 'v2' ? `${this.modelUrl}/infer` : `${this.modelUrl}:predict`;
    const json = await this.#client.send('POST', url, JSON.stringify(body), 'application/json');
    const scores = this.#read(json, url);
    if (scores.length !== batch * this.#classes || scores.some((v) => typeof v !== 'number')) {
      throw remoteError(`${url} answered ${scores.length} values for ${batch} image(s); the model has ${this.#classes} outputs per image (${this.#model.labels.length} labels${this.#model.manifest.output.labelOffset ? ` + ${this.#model.manifest.output.labelOffset} offset` : ''}).`, {
        url, expected: batch * this.#classes, received: scores.length,
      });
    }
    return Float32Array.from(scores);
  }

  #read(json: unknown, url: string): number[] {
    if (this.#remote.protocol === 'v2') {
      const outputs = (json as { outputs?: { data?: unknown }[] } | null)?.outputs;
      if (!Array.isArray(outputs) || outputs.length === 0 || !Array.isArray(outputs[0]!.data)) {
        throw remoteError(`${url} answered without outputs[0].data (Open Inference Protocol V2): ${JSON.stringify(json).slice(0, EXCERPT)}`, { url });
      }
      return flatNumbers(outputs[0]!.data);
    }
    const predictions = (json as { predictions?: unknown } | null)?.predictions;
    if (!Array.isArray(predictions)) throw remoteError(`${url} answered without predictions (TF Serving REST): ${JSON.stringify(json).slice(0, EXCERPT)}`, { url });
    return flatNumbers(predictions);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }
}

/**
 * An image-bytes endpoint (`protocol: 'image'`, e.g. a FastAPI `/predict`):
 * the file goes to the server as it is (raw body, or multipart field `file`),
 * the server decodes and preprocesses, and the answer is read into one score
 * per label. Its answers follow the server's preprocessing, not the page's.
 */
export class RemoteImageEngine implements Engine {
  readonly engine = 'remote' as const;
  readonly backend = 'remote' as const;
  readonly maxBatch = 1;
  readonly maxConcurrent: number;
  readonly #remote: ResolvedRemote;
  readonly #labels: readonly string[];
  readonly #client: RemoteClient;

  constructor(model: LoadedModel, remote: ResolvedRemote) {
    this.#remote = remote;
    this.maxConcurrent = remote.maxConcurrent;
    this.#labels = model.labels;
    this.#client = new RemoteClient(remote);
  }

  isLost(): string | null {
    return this.#client.lost;
  }

  run(): Promise<Float32Array> {
    return Promise.reject(new ClassifierError('REMOTE_FAILED', "An image-bytes endpoint (remote.protocol 'image') takes images, not tensors: use classify, or the 'v2' / 'tfserving' protocols for classifyTensor.", { details: { protocol: 'image' } }));
  }

  async runEncoded(image: Blob): Promise<Float32Array> {
    const { url, upload } = this.#remote;
    let body: BodyInit = image;
    let type: string | undefined = image.type || 'application/octet-stream';
    if (upload === 'multipart') {
      const form = new FormData();
      form.append('file', image, 'image');
      body = form;
      type = undefined; // fetch writes the boundary
    }
    return readScores(await this.#client.send('POST', url, body, type), this.#labels, this.#remote.response, url);
  }

  async dispose(): Promise<void> {}
}

/** One score per label from an image endpoint's JSON (absent classes score 0). */
export function readScores(json: unknown, labels: readonly string[], shape: ResolvedRemote['response'], url: string): Float32Array {
  const scores = new Float32Array(labels.length);
  const bad = (why: string) => remoteError(`${url} answered ${why}: ${JSON.stringify(json)?.slice(0, EXCERPT)}. Accepted: { scores: [...] }, { top: [{ index | label, score }] }, [{ label, score }], { class_id, confidence } (remote.response).`, { url });
  const indexOf = (entry: { index?: unknown; label?: unknown; class_id?: unknown }): number => {
    const i = typeof entry.index === 'number' ? entry.index : typeof entry.class_id === 'number' ? entry.class_id : typeof entry.label === 'string' ? labels.indexOf(entry.label) : -1;
    if (!Number.isInteger(i) || i < 0 || i >= labels.length) throw bad(`a class this model does not have (${JSON.stringify(entry.label ?? entry.index ?? entry.class_id)})`);
    return i;
  };
  const o = json as Record<string, unknown> | unknown[] | null;
  const kind = shape !== 'auto' ? shape
    : Array.isArray(o) ? 'labels'
    : o && Array.isArray((o as Record<string, unknown>).scores) ? 'scores'
    : o && Array.isArray((o as Record<string, unknown>).top) ? 'top'
    : o && 'class_id' in o ? 'class-confidence' : null;
  if (kind === null) throw bad('a shape the reader does not know');
  if (kind === 'scores') {
    const given = (o as { scores?: unknown }).scores;
    if (!Array.isArray(given) || given.length !== labels.length || given.some((v) => typeof v !== 'number')) throw bad(`scores that are not ${labels.length} numbers`);
    scores.set(given as number[]);
    return scores;
  }
  const entries = kind === 'labels' ? o : kind === 'top' ? (o as { top?: unknown }).top : [o];
  if (!Array.isArray(entries)) throw bad(`no ${kind} list`);
  for (const entry of entries as { index?: unknown; label?: unknown; class_id?: unknown; score?: unknown; confidence?: unknown }[]) {
    const score = kind === 'class-confidence' ? entry.confidence : entry.score;
    if (typeof score !== 'number' || !Number.isFinite(score)) throw bad('an entry without a numeric score');
    // One named class with a confidence that is no probability (a logit, ln p): it stays the answer, the others rank below it.
    if (kind === 'class-confidence' && (score < 0 || score > 1)) scores.fill(score - 1);
    scores[indexOf(entry)] = score;
  }
  return scores;
}

/**
 * The remote engine for a loaded manifest, checked against the server and
 * warmed up with one inference (which also checks the output count).
 * @throws ClassifierError REMOTE_FAILED
 */
export async function createRemoteEngine(model: LoadedModel, remote: ResolvedRemote): Promise<RemoteEngine | RemoteImageEngine> {
  // An image endpoint has no metadata to check and no tensor to warm up with: its first call is the check.
  if (remote.protocol === 'image') return new RemoteImageEngine(model, remote);
  const engine = new RemoteEngine(model, remote, model.manifest.input.name ?? 'input');
  // A plain error here is the fallback: 'local' path of an unreachable server.
  const asRemoteFailure = (error: unknown) => (error instanceof ClassifierError ? error : remoteError(describeError(error), { url: engine.modelUrl, unreachable: true }, error));
  try {
    await engine.check();
    const { input } = model.manifest;
    await engine.run(new Float32Array(tensorShape(input.size, input.layout, input.channels).reduce((a, b) => a * b, 1)));
  } catch (error) {
    throw asRemoteFailure(error);
  }
  return engine;
}
