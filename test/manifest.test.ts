import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClassifierError } from '../src/errors.js';
import { validateManifest } from '../src/manifest/schema.js';

const HEX_A = 'a'.repeat(64);
const HEX_B = 'b'.repeat(64);
const HEX_C = 'c'.repeat(64);

// Deliberately loose type: the tests delete and corrupt fields.
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function onnxManifest(): Raw {
  return {
    name: 'test-model',
    version: '1.0.0',
    format: 'onnx',
    files: { model: 'model.onnx' },
    sha256: { 'model.onnx': HEX_A },
    input: { size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 256 } },
    output: { activation: 'softmax' },
    labels: ['cat', 'dog'],
  };
}

function tfjsManifest(): Raw {
  return {
    name: 'tfjs-model',
    version: '2',
    format: 'tfjs-layers',
    files: { model: 'model.json', weights: ['group1-shard1of1.bin'] },
    sha256: { 'model.json': HEX_A, 'group1-shard1of1.bin': HEX_B, 'labels.txt': HEX_C },
    bytes: { 'model.json': 10, 'group1-shard1of1.bin': 20, 'labels.txt': 3 },
    input: { size: [299, 299], layout: 'NHWC', resize: { mode: 'stretch' }, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 'BGR' },
    output: { activation: 'none' },
    labels: 'labels.txt',
  };
}

/** Runs validateManifest and returns the MANIFEST_INVALID error it must throw. */
function invalid(raw: unknown): ClassifierError {
  try {
    validateManifest(raw, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ClassifierError);
    const err = error as ClassifierError;
    expect(err.code).toBe('MANIFEST_INVALID');
    expect(typeof err.details.field).toBe('string');
    expect(err.message).toContain(`"${String(err.details.field)}"`);
    expect(err.message).toContain('test.json');
    return err;
  }
  throw new Error('expected validateManifest to throw');
}

function mutate(fn: (m: Raw) => void, base: () => Raw = onnxManifest): Raw {
  const m = base();
  fn(m);
  return m;
}

describe('validateManifest: valid manifests', () => {
  it('accepts an ONNX manifest and fills input defaults (scale 1, mean 0, std 1, RGB)', () => {
    const m = validateManifest(onnxManifest());
    expect(m.name).toBe('test-model');
    expect(m.format).toBe('onnx');
    expect(m.input.size).toEqual([224, 224]);
    expect(m.input.resize).toEqual({ mode: 'crop', shorterSide: 256, filter: 'bilinear', anchor: 'center', cropOffset: 'round' });
    expect(m.input.scale).toBe(1);
    expect(m.input.mean).toEqual([0, 0, 0]);
    expect(m.input.std).toEqual([1, 1, 1]);
    expect(m.input.channels).toBe('RGB');
    expect(m.labels).toEqual(['cat', 'dog']);
  });

  it('keeps explicit values and accepts a tfjs manifest with shards and a labels file', () => {
    const m = validateManifest(tfjsManifest());
    expect(m.files.weights).toEqual(['group1-shard1of1.bin']);
    expect(m.input.layout).toBe('NHWC');
    expect(m.input.scale).toBeCloseTo(1 / 255, 12);
    expect(m.input.mean).toEqual([0.5, 0.5, 0.5]);
    expect(m.input.std).toEqual([0.5, 0.5, 0.5]);
    expect(m.input.channels).toBe('BGR');
    expect(m.labels).toBe('labels.txt');
    expect(m.bytes).toEqual({ 'model.json': 10, 'group1-shard1of1.bin': 20, 'labels.txt': 3 });
  });

  it('accepts upper-case sha256 hex', () => {
    expect(() => validateManifest(mutate((m) => (m.sha256['model.onnx'] = 'ABCDEF0123456789'.repeat(4))))).not.toThrow();
  });
});

describe('validateManifest: rejects with MANIFEST_INVALID naming the field', () => {
  it('missing name', () => {
    const err = invalid(mutate((m) => delete m.name));
    expect(err.details.field).toBe('name');
    expect(err.message).toMatch(/missing/);
  });

  it('empty name', () => {
    expect(invalid(mutate((m) => (m.name = ''))).details.field).toBe('name');
  });

  it("format 'pytorch'", () => {
    const err = invalid(mutate((m) => (m.format = 'pytorch')));
    expect(err.details.field).toBe('format');
    expect(err.message).toContain('pytorch');
  });

  it('input.size with one value', () => {
    expect(String(invalid(mutate((m) => (m.input.size = [224]))).details.field)).toMatch(/^input\.size/);
  });

  it('input.size with a 0 names the element', () => {
    expect(invalid(mutate((m) => (m.input.size = [0, 224]))).details.field).toBe('input.size[0]');
  });

  it('input.size with a fraction', () => {
    expect(String(invalid(mutate((m) => (m.input.size = [224, 22.5]))).details.field)).toMatch(/^input\.size/);
  });

  it("input.layout 'CHW'", () => {
    const err = invalid(mutate((m) => (m.input.layout = 'CHW')));
    expect(err.details.field).toBe('input.layout');
  });

  it('input.mean with 4 values is rejected, not truncated', () => {
    expect(invalid(mutate((m) => (m.input.mean = [0.5, 0.5, 0.5, 0.5]))).details.field).toMatch(/^input\.mean/);
  });

  it('input.size with 3 values is rejected', () => {
    expect(invalid(mutate((m) => (m.input.size = [224, 224, 3]))).details.field).toMatch(/^input\.size/);
  });

  it('a bad sha256 entry names the file with brackets', () => {
    expect(invalid(mutate((m) => (m.sha256['model.onnx'] = 'xyz'))).details.field).toBe('sha256["model.onnx"]');
  });

  it('input.mean with 2 values', () => {
    expect(String(invalid(mutate((m) => (m.input.mean = [0.5, 0.5]))).details.field)).toMatch(/^input\.mean/);
  });

  it('input.std containing 0', () => {
    const err = invalid(mutate((m) => (m.input.std = [0.229, 0, 0.225])));
    expect(err.details.field).toBe('input.std[1]');
    expect(err.message).toMatch(/must not be 0/);
  });

  it('input.resize.mode unknown', () => {
    expect(invalid(mutate((m) => (m.input.resize = { mode: 'zoom' }))).details.field).toBe('input.resize.mode');
  });

  it('output.activation unknown', () => {
    expect(invalid(mutate((m) => (m.output.activation = 'relu'))).details.field).toBe('output.activation');
  });

  it('bad sha256 hex (too short / not hex)', () => {
    for (const bad of ['abc', 'g'.repeat(64), `${HEX_A}0`]) {
      const err = invalid(mutate((m) => (m.sha256['model.onnx'] = bad)));
      expect(String(err.details.field)).toMatch(/^sha256/);
      expect(String(err.details.field)).toContain('model.onnx');
      expect(err.message).toMatch(/64 hex digits/);
    }
  });

  it('sha256 missing for the model file', () => {
    const err = invalid(mutate((m) => (m.sha256 = {})));
    expect(err.details.field).toBe('sha256["model.onnx"]');
  });

  it('sha256 missing for a weight shard', () => {
    const err = invalid(mutate((m) => delete m.sha256['group1-shard1of1.bin'], tfjsManifest));
    expect(err.details.field).toBe('sha256["group1-shard1of1.bin"]');
  });

  it('sha256 missing for the labels file', () => {
    const err = invalid(mutate((m) => delete m.sha256['labels.txt'], tfjsManifest));
    expect(err.details.field).toBe('sha256["labels.txt"]');
  });

  it('labels as an empty array', () => {
    expect(invalid(mutate((m) => (m.labels = []))).details.field).toBe('labels');
  });

  it('labels as an empty file name', () => {
    expect(invalid(mutate((m) => (m.labels = ''))).details.field).toBe('labels');
  });

  it('onnx with files.weights (even when the shard has a sha256)', () => {
    const err = invalid(
      mutate((m) => {
        m.files.weights = ['weights.bin'];
        m.sha256['weights.bin'] = HEX_B;
      }),
    );
    expect(err.details.field).toBe('files.weights');
    expect(err.message).toMatch(/only for tfjs/);
  });

  it('negative byte size', () => {
    expect(String(invalid(mutate((m) => (m.bytes = { 'model.onnx': -1 }))).details.field)).toMatch(/^bytes/);
  });

  it('null and non-object manifests', () => {
    expect(invalid(null).details.field).toBe('(root)');
    expect(invalid('manifest').details.field).toBe('(root)');
  });
});

// ---------------------------------------------------------------------------
// Prepared manifests (written by `npm ci` under public/models/*/manifest.json)
// ---------------------------------------------------------------------------

const modelsDir = new URL('../public/models/', import.meta.url);
const modelDirs = existsSync(modelsDir)
  ? readdirSync(modelsDir).filter((d) => existsSync(new URL(`${d}/manifest.json`, modelsDir)))
  : [];

const preparedTitle =
  modelDirs.length > 0
    ? 'prepared manifests under public/models'
    : 'prepared manifests under public/models (SKIPPED: folder missing or empty; run `npm ci` to build it)';

describe.skipIf(modelDirs.length === 0)(preparedTitle, () => {
  for (const dir of modelDirs) {
    describe(dir, () => {
      const dirUrl = new URL(`${dir}/`, modelsDir);
      const raw: unknown = JSON.parse(readFileSync(new URL('manifest.json', dirUrl), 'utf8'));

      it('validates', () => {
        expect(() => validateManifest(raw, `${dir}/manifest.json`)).not.toThrow();
      });

      it('every listed file exists and matches its sha256 and byte size', () => {
        const m = validateManifest(raw, `${dir}/manifest.json`);
        const listed = new Set([m.files.model, ...(m.files.weights ?? []), ...(typeof m.labels === 'string' ? [m.labels] : []), ...Object.keys(m.sha256), ...Object.keys(m.bytes ?? {})]);
        expect(listed.size).toBeGreaterThan(0);
        for (const file of listed) {
          const url = new URL(file, dirUrl);
          expect(existsSync(url), `${dir}/${file} exists`).toBe(true);
          const bytes = readFileSync(url);
          expect(m.sha256[file], `${dir}/${file} has a sha256`).toBeDefined();
          expect(createHash('sha256').update(bytes).digest('hex'), `${dir}/${file} sha256`).toBe(m.sha256[file]!.toLowerCase());
          if (m.bytes) {
            expect(m.bytes[file], `${dir}/${file} has a byte size`).toBeDefined();
            expect(statSync(url).size, `${dir}/${file} byte size`).toBe(m.bytes[file]);
          }
        }
      });

      it('a labels file has one non-empty label per line', () => {
        const m = validateManifest(raw);
        const labels = typeof m.labels === 'string' ? readFileSync(new URL(m.labels, dirUrl), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '') : m.labels;
        expect(labels.length).toBeGreaterThan(1);
        for (const label of labels) expect(label.trim()).not.toBe('');
      });

      it('tfjs: model.json weightsManifest paths are exactly files.weights', () => {
        const m = validateManifest(raw);
        if (m.format === 'onnx') return;
        const modelJson = JSON.parse(readFileSync(new URL(m.files.model, dirUrl), 'utf8')) as { weightsManifest?: { paths: string[] }[] };
        const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
        expect(paths.length).toBeGreaterThan(0);
        expect([...paths].sort()).toEqual([...(m.files.weights ?? [])].sort());
      });
    });
  }
});
