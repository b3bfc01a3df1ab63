/**
 * Reads what real prediction servers answer, for the parity harness's
 * --server-url mode. Pure: parsed JSON in, either every class's score or just
 * the server's top-1 out.
 *
 * Recognised without configuration:
 * - full scores: `[0.1, …]`, `{ scores | probabilities | probs | predictions | outputs … }`,
 *   Open Inference Protocol V2 `{ outputs: [{ name, shape, datatype, data }] }`,
 *   TF Serving `{ predictions: [[…]] }` (one row) or `{ predictions: [{ <output>: […] }] }`;
 * - top-k lists: `{ top: [{ label | index, score }] }`, Hugging Face `[{ label, score }]`:
 *   full scores when the list names every class once, otherwise top-1 only;
 * - top-1: FastAPI-style `{ class_id, confidence }`, `{ label, score }`, `{ prediction: "cat" }`,
 *   a bare class index or label.
 * `path` (--server-response, e.g. `outputs.0.data`, `result.probs`, `outputs[0].data`,
 * `outputs.probabilities.data` for a V2 output by name) points at the field when the shape is custom.
 */

export type ServerAnswer =
  | { kind: 'scores'; scores: Float32Array }
  /** The server's predicted class only: `index` is set whenever it could be resolved (labels → index). */
  | { kind: 'top1'; index?: number; label?: string; score?: number };

export interface ReadOptions {
  /** The model's labels, index order: maps label answers to indexes and tells the class count. */
  labels?: readonly string[];
  /** Dot path to the field holding the answer (numbers index arrays). */
  path?: string;
}

export class ServerResponseError extends Error {
  override readonly name = 'ServerResponseError';
}

const INDEX_KEYS = ['class_id', 'class_index', 'classId', 'class_idx', 'label_id', 'index', 'idx'];
const LABEL_KEYS = ['label', 'class_name', 'className', 'class_label', 'category', 'name'];
/** `class` / `prediction` / `predicted_class` may hold either an index or a label. */
const EITHER_KEYS = ['class', 'predicted_class', 'prediction', 'predicted_label', 'predicted'];
const SCORE_KEYS = ['score', 'confidence', 'probability', 'prob', 'value'];
/** Keys holding every class's score (checked before top-k lists and top-1 fields). */
const SCORES_KEYS = ['scores', 'probabilities', 'probs', 'probas', 'predictions', 'outputs', 'output', 'result', 'results', 'data'];
const TOPK_KEYS = ['top', 'topk', 'top_k', 'classes', 'labels'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isNumber);

/** A short, single-line JSON rendering of what was received, for error messages. */
export function describeReceived(body: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/** Splits `outputs.0.data`, `outputs[0].data` or `result["probs"]` into segments. */
export function parsePath(path: string): string[] {
  const segments: string[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\]/g)) segments.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
  if (segments.length === 0) throw new ServerResponseError(`--server-response "${path}" is not a path (e.g. outputs.0.data, result.probs)`);
  return segments;
}

/** Follows a path; in an array of named objects (V2 outputs), a non-numeric segment picks by `name`. */
function follow(body: unknown, path: string): unknown {
  let value = body;
  const done: string[] = [];
  for (const segment of parsePath(path)) {
    let next: unknown;
    if (Array.isArray(value)) {
      next = /^\d+$/.test(segment) ? value[Number(segment)] : value.find((v) => isRecord(v) && v.name === segment);
    } else if (isRecord(value)) {
      next = value[segment];
    }
    if (next === undefined) {
      const here = done.length ? `"${done.join('.')}"` : 'the answer';
      const has = Array.isArray(value) ? `an array of ${value.length}` : isRecord(value) ? `keys ${Object.keys(value).join(', ') || '(none)'}` : `a ${typeof value}`;
      throw new ServerResponseError(`--server-response "${path}": ${here} has no "${segment}" (it is ${has})`);
    }
    done.push(segment);
    value = next;
  }
  return value;
}

function labelIndex(label: string, labels: readonly string[] | undefined): number | undefined {
  if (!labels) return undefined;
  const exact = labels.indexOf(label);
  if (exact >= 0) return exact;
  const lower = label.trim().toLowerCase();
  const loose = labels.findIndex((l) => l.trim().toLowerCase() === lower);
  return loose >= 0 ? loose : undefined;
}

interface Entry {
  index?: number;
  label?: string;
  score?: number;
}

/** One `{ label | index, score }` object (a top-k list item or a top-1 answer); undefined if it names no class. */
function entryOf(o: Record<string, unknown>): Entry | undefined {
  const entry: Entry = {};
  for (const k of INDEX_KEYS) if (isNumber(o[k]) && Number.isInteger(o[k])) { entry.index = o[k]; break; }
  for (const k of LABEL_KEYS) if (typeof o[k] === 'string') { entry.label = o[k]; break; }
  for (const k of EITHER_KEYS) {
    const v = o[k];
    if (entry.index === undefined && isNumber(v) && Number.isInteger(v)) entry.index = v;
    else if (entry.label === undefined && typeof v === 'string') entry.label = v;
  }
  for (const k of SCORE_KEYS) if (isNumber(o[k])) { entry.score = o[k]; break; }
  return entry.index === undefined && entry.label === undefined ? undefined : entry;
}

class Reader {
  constructor(
    private readonly body: unknown,
    private readonly labels: readonly string[] | undefined,
  ) {}

  fail(reason: string): never {
    throw new ServerResponseError(
      `cannot read the server's answer: ${reason}. Received: ${describeReceived(this.body)}. ` +
        'Pass --server-response <path> to point at the scores or the predicted class (e.g. outputs.0.data, result.probs).',
    );
  }

  /** Resolves an entry's class; a label the model does not have is an error (nothing to compare it with). */
  resolve(e: Entry): Entry {
    const classes = this.labels?.length;
    if (e.index !== undefined) {
      if (e.index < 0 || (classes !== undefined && e.index >= classes)) this.fail(`class index ${e.index} is outside the model's ${classes} classes`);
      return { ...e, label: e.label ?? this.labels?.[e.index] };
    }
    const index = labelIndex(e.label!, this.labels);
    if (index === undefined) {
      if (!this.labels) this.fail(`the server answered the label "${e.label}", and no model labels were given to map it to a class index`);
      this.fail(`the server answered the label "${e.label}", which is not one of the model's labels (${this.labels.slice(0, 10).join(', ')}${this.labels.length > 10 ? ', …' : ''})`);
    }
    return { ...e, index };
  }

  scores(values: number[], where: string): ServerAnswer {
    const classes = this.labels?.length;
    if (classes !== undefined && values.length !== classes) this.fail(`${where} has ${values.length} scores; the model has ${classes} classes`);
    return { kind: 'scores', scores: Float32Array.from(values) };
  }

  /** A top-k list: full scores if it names every class exactly once, else its best entry as top-1. */
  list(items: unknown[], where: string): ServerAnswer {
    const entries = items.map((item) => (isRecord(item) ? entryOf(item) : undefined));
    if (entries.some((e) => e === undefined)) this.fail(`${where} is a list whose items are not { label | index, score } objects`);
    const resolved = (entries as Entry[]).map((e) => this.resolve(e));
    const classes = this.labels?.length;
    const indexes = new Set(resolved.map((e) => e.index!));
    const complete = classes !== undefined && resolved.length === classes && indexes.size === classes && resolved.every((e) => e.score !== undefined);
    if (complete) {
      const scores = new Float32Array(classes);
      for (const e of resolved) scores[e.index!] = e.score!;
      return { kind: 'scores', scores };
    }
    // Not every class: only the top-1 is trustworthy (missing classes must not count as 0).
    const best = resolved.reduce((a, b) => ((b.score ?? -Infinity) > (a.score ?? -Infinity) ? b : a));
    return { kind: 'top1', ...best };
  }

  read(value: unknown, where: string, depth = 0): ServerAnswer {
    if (depth > 6) this.fail(`${where} is nested too deeply`);
    if (isNumberArray(value)) return this.scores(value, where);
    if (Array.isArray(value)) {
      if (value.length === 0) this.fail(`${where} is an empty list`);
      // One row of a batch ([[...]], TF Serving / V2-style), or a list of rows with a single element.
      if (value.every(Array.isArray)) {
        if (value.length !== 1) this.fail(`${where} holds ${value.length} rows; one image was sent, so one row was expected`);
        return this.read(value[0], `${where}[0]`, depth + 1);
      }
      if (value.every(isRecord)) {
        // V2 outputs: [{ name, datatype, shape, data }]
        if (value.every((v) => 'data' in v && ('datatype' in v || 'shape' in v))) {
          if (value.length !== 1) this.fail(`${where} has ${value.length} outputs (${value.map((v) => v.name).join(', ')}); pick one with --server-response outputs.<name>.data`);
          return this.v2(value[0]!, `${where}[0]`);
        }
        // TF Serving with named outputs: predictions: [{ probabilities: [...] }]
        if (value.length === 1 && !entryOf(value[0]!)) return this.read(value[0], `${where}[0]`, depth + 1);
        return this.list(value, where);
      }
      if (value.length === 1 && (typeof value[0] === 'string' || isNumber(value[0]))) return this.read(value[0], `${where}[0]`, depth + 1);
      this.fail(`${where} is a list of ${[...new Set(value.map((v) => typeof v))].join('/')} values`);
    }
    if (typeof value === 'string') {
      const e = this.resolve({ label: value });
      return { kind: 'top1', ...e };
    }
    if (isNumber(value)) {
      if (!Number.isInteger(value)) this.fail(`${where} is the single number ${value}, neither a class index nor a list of scores`);
      return { kind: 'top1', ...this.resolve({ index: value }) };
    }
    if (isRecord(value)) {
      if ('data' in value && ('datatype' in value || 'shape' in value)) return this.v2(value, where);
      for (const k of SCORES_KEYS) {
        const v = value[k];
        if (isNumberArray(v) || (Array.isArray(v) && v.length > 0 && v.every((x) => Array.isArray(x) || isRecord(x))) || isRecord(v)) {
          return this.read(v, where === 'the answer' ? k : `${where}.${k}`, depth + 1);
        }
      }
      for (const k of TOPK_KEYS) if (Array.isArray(value[k]) && (value[k] as unknown[]).every(isRecord)) return this.list(value[k] as unknown[], k);
      const e = entryOf(value);
      if (e) return { kind: 'top1', ...this.resolve(e) };
      this.fail(`${where} is an object with keys ${Object.keys(value).join(', ') || '(none)'}, none of which holds scores, a top-k list or a class`);
    }
    this.fail(`${where} is ${value === null ? 'null' : `a ${typeof value}`}`);
  }

  /** An Open Inference Protocol V2 output tensor: FP32 data of shape [C] or [1, C], or BYTES labels. */
  v2(output: Record<string, unknown>, where: string): ServerAnswer {
    const data = output.data;
    const shape = Array.isArray(output.shape) ? (output.shape as number[]) : undefined;
    if (shape && shape.length > 1 && shape[0] !== 1) this.fail(`${where} has shape [${shape.join(', ')}]; one image was sent, so batch 1 was expected`);
    if (!Array.isArray(data)) this.fail(`${where}.data is not a list`);
    const flat = (data as unknown[]).flat(4);
    if (flat.every(isNumber)) {
      if (flat.length === 1 && String(output.datatype ?? '').match(/INT/)) return { kind: 'top1', ...this.resolve({ index: flat[0] as number }) };
      return this.scores(flat as number[], `${where}.data`);
    }
    if (flat.length === 1 && typeof flat[0] === 'string') return { kind: 'top1', ...this.resolve({ label: flat[0] }) };
    this.fail(`${where}.data holds ${flat.length} values of type ${[...new Set(flat.map((v) => typeof v))].join('/')}`);
  }
}

/** Turns a parsed JSON answer into every class's score or the server's top-1. Throws ServerResponseError naming what was received. */
export function readServerResponse(body: unknown, options: ReadOptions = {}): ServerAnswer {
  const reader = new Reader(body, options.labels);
  if (options.path) {
    let value: unknown;
    try {
      value = follow(body, options.path);
    } catch (error) {
      if (error instanceof ServerResponseError) throw new ServerResponseError(`${error.message}. Received: ${describeReceived(body)}`);
      throw error;
    }
    return reader.read(value, `"${options.path}"`);
  }
  return reader.read(body, 'the answer');
}
