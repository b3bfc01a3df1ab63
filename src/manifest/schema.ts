/**
 * Manifest validation. valibot gives us the exact path of the offending field
 * (`input.mean[1]`) for the MANIFEST_INVALID message; the cross-field rules
 * (every file has a sha256, std ≠ 0) are checked after the shape.
 */
import * as v from 'valibot';
import { ClassifierError } from '../errors.js';
import type { ModelManifest } from '../types.js';

const positiveInt = v.pipe(v.number(), v.integer(), v.minValue(1));
const finite = v.pipe(v.number(), v.finite());
// strictTuple: a 4th mean value is an error, not silently dropped.
const triple = v.strictTuple([finite, finite, finite]);
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
      mode: v.picklist(['crop', 'stretch', 'letterbox']),
      shorterSide: v.optional(positiveInt),
    }),
    scale: v.optional(finite, 1),
    mean: v.optional(triple, [0, 0, 0]),
    std: v.optional(triple, [1, 1, 1]),
    channels: v.optional(v.picklist(['RGB', 'BGR']), 'RGB'),
    colorProfile: v.optional(v.picklist(['convert', 'ignore']), 'convert'),
  }),
  output: v.object({
    name: v.optional(v.string()),
    activation: v.picklist(['softmax', 'sigmoid', 'none']),
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
 * @throws ClassifierError MANIFEST_INVALID naming the first bad field
 */
export function validateManifest(raw: unknown, source = '(object)'): ModelManifest {
  const parsed = v.safeParse(ManifestSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const field = fieldPath(issue);
    const got = issue.input === undefined ? 'is missing' : `is invalid (${issue.message})`;
    throw invalid(field, got, source);
  }
  const m = parsed.output as ModelManifest;
  m.input.std.forEach((s, i) => {
    if (s === 0) throw invalid(`input.std[${i}]`, 'must not be 0 (it divides)', source);
  });
  if (m.format === 'onnx' && m.files.weights?.length) {
    throw invalid('files.weights', 'is only for tfjs models (ONNX keeps weights in the model file)', source);
  }
  const needed = [m.files.model, ...(m.files.weights ?? [])];
  if (typeof m.labels === 'string') needed.push(m.labels);
  for (const file of needed) {
    if (!(file in m.sha256)) throw invalid(`sha256["${file}"]`, 'is missing: every file needs its SHA-256 so it can be verified', source);
  }
  return m;
}
