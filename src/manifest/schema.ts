/**
 * Manifest validation. valibot gives us the exact path of the offending field
 * (`input.mean[1]`) for the MANIFEST_INVALID message; the cross-field rules
 * (every file has a sha256, std ≠ 0) are checked after the shape.
 */
import * as v from 'valibot';
import { ClassifierError } from '../errors.js';
import type { ModelManifest } from '../types.js';
import { channelCount } from '../preprocess/tensor.js';

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const finite = v.pipe(v.number(), v.finite());
// One number for every channel, or one per channel (the count is checked against `channels` below).
const perChannel = v.union([finite, v.pipe(v.array(finite), v.minLength(1))]);
const fileName = v.pipe(v.string(), v.nonEmpty());
const sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits (SHA-256)'));

const ManifestSchema = v.object({
  name: v.pipe(v.string(), v.nonEmpty()),
  version: v.pipe(v.string(), v.nonEmpty()),
  description: v.optional(v.string()),
  format: v.picklist(['onnx', 'tfjs-layers', 'tfjs-graph']),
  files: v.object({ model: fileName, weights: v.optional(v.array(fileName)) }),
  sha256: v.record(v.string(), sha256Hex),
  bytes: v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(0)))),
  input: v.object({
    name: v.optional(v.string()),
    size: v.strictTuple([positiveInt, positiveInt]),
    layout: v.picklist(['NCHW', 'NHWC']),
    resize: v.object({
      mode: v.picklist(['crop', 'stretch', 'letterbox', 'fit-height']),
      shorterSide: v.optional(positiveInt),
      filter: v.optional(v.picklist(['bilinear', 'bicubic', 'lanczos', 'box', 'hamming', 'nearest']), 'bilinear'),
      anchor: v.optional(v.picklist(['center', 'left']), 'center'),
      padValue: v.optional(finite),
      cropOffset: v.optional(v.picklist(['round', 'floor']), 'round'),
    }),
    scale: v.optional(finite, 1),
    mean: v.optional(perChannel, 0),
    std: v.optional(perChannel, 1),
    channels: v.optional(v.picklist(['RGB', 'BGR', 'L', 'RGBA']), 'RGB'),
    colorProfile: v.optional(v.picklist(['convert', 'ignore']), 'convert'),
    orientation: v.optional(v.picklist(['apply', 'ignore']), 'apply'),
    alpha: v.optional(v.picklist(['composite', 'drop']), 'composite'),
  }),
  output: v.object({
    name: v.optional(v.string()),
    activation: v.picklist(['softmax', 'sigmoid', 'none']),
    labelOffset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    threshold: v.optional(finite),
  }),
  labels: v.union([fileName, v.pipe(v.array(v.string()), v.minLength(1))]),
});

/** `input.mean[1]`, `sha256["model.onnx"]`: the field as a reader would write it. */
function fieldPath(issue: v.BaseIssue<unknown>): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

function invalid(field: string, problem: string, source: string): ClassifierError {
  return new ClassifierError('MANIFEST_INVALID', `Manifest ${source}: field "${field}" ${problem}. See the README's "Manifest" section for the format.`, {
    details: { field },
  });
}

/**
 * Checks a parsed manifest and fills optional defaults.
 * @param raw - the parsed JSON (or a manifest object from the caller)
 * @param source - where it came from, for the error message
 * @param options - `requireSha256: false` (loading with `integrity: 'none'`) lets files go without a SHA-256
 * @throws ClassifierError MANIFEST_INVALID naming the first bad field
 */
export function validateManifest(raw: unknown, source = '(object)', options: { requireSha256?: boolean } = {}): ModelManifest {
  const requireSha256 = options.requireSha256 ?? true;
  if (!requireSha256 && raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as { sha256?: unknown }).sha256 === undefined) {
    raw = { ...raw, sha256: {} };
  }
  const parsed = v.safeParse(ManifestSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const field = fieldPath(issue);
    const got = issue.input === undefined ? 'is missing' : `is invalid (${issue.message})`;
    throw invalid(field, got, source);
  }
  const m = parsed.output as unknown as ModelManifest;
  const channels = channelCount(m.input.channels);
  for (const key of ['mean', 'std'] as const) {
    const value = m.input[key] as number | number[];
    if (typeof value === 'number') m.input[key] = Array.from({ length: channels }, () => value);
    else if (value.length !== channels) throw invalid(`input.${key}`, `has ${value.length} values but channels "${m.input.channels}" has ${channels}: give one per channel, or one number for all`, source);
  }
  m.input.std.forEach((s, i) => {
    if (s === 0) throw invalid(`input.std[${i}]`, 'must not be 0 (it divides)', source);
  });
  if (m.format === 'onnx' && m.files.weights?.length) {
    throw invalid('files.weights', 'is only for tfjs models (ONNX keeps weights in the model file)', source);
  }
  const needed = [m.files.model, ...(m.files.weights ?? [])];
  if (typeof m.labels === 'string') needed.push(m.labels);
  for (const file of requireSha256 ? needed : []) {
    if (!(file in m.sha256)) throw invalid(`sha256["${file}"]`, 'is missing: every file needs its SHA-256 so it can be verified', source);
  }
  return m;
}
