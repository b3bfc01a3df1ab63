/**
 * `pack --triton <repoDir>` (src/node/triton.ts) on the real shipped ONNX model:
 * the entry's config.pbtxt, parsed back, names the graph's real input/output
 * with its dims (NHWC, batch left out, max_batch_size 8 for the dynamic batch
 * dim), 1/model.onnx is the packed ONNX byte for byte, labels.txt matches;
 * the standalone form on a packed folder, the pack() option, a fixed-batch
 * graph (max_batch_size 0), an NCHW graph (the shared ImageNet MobileNetV2),
 * verify's problems, and the refusals (a tfjs model
 * without --onnx-twin, a folder that is not packed). Written to a temp folder.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readOnnxIO } from '../src/adapters/onnx-graph.js';
import { pinSymbolicDims } from '../src/engines/onnx-pin-dims.js';
import { hashFiles, pack, PackError, runPack, runVerify } from '../src/node/pack.js';
import { formatTritonConfig, parseTextProto, parseTritonConfig, verifyTritonEntry, writeTritonEntry } from '../src/node/triton.js';
import type { ModelManifest } from '../src/types.js';
import { ONNX_MODEL_FILE, SHARED_DATA, hasSharedData } from '../tools/shared-data.js';

const MODELS = join(import.meta.dirname, '..', 'public', 'models');
const ONNX_DIR = join(MODELS, 'nsfw-mobilenet-v2-onnx');
const TFJS_DIR = join(MODELS, 'nsfw-mobilenet-v2');
const NAME = 'nsfw-mobilenet-v2-onnx';
const hasModels = existsSync(join(ONNX_DIR, 'manifest.json')) && existsSync(join(TFJS_DIR, 'manifest.json'));
const TMP = mkdtempSync(join(tmpdir(), 'inpage-triton-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe('config.pbtxt text format', () => {
  it('formats and parses back: fields, [lists] of { messages }, enums, negative dims, comments, escaped strings', () => {
    const config = { name: 'm', platform: 'onnxruntime_onnx', maxBatchSize: 0, input: [{ name: 'x"1', dataType: 'TYPE_FP32', dims: [1, 3, -1, -1] }], output: [{ name: 'y', dataType: 'TYPE_FP16', dims: [1, 10], labelFilename: 'labels.txt' }] };
    const text = formatTritonConfig(config, 'a comment');
    expect(text.startsWith('# a comment\nname: "m"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 0\ninput [\n')).toBe(true);
    expect(parseTritonConfig(text)).toEqual(config);
    expect(parseTextProto('a: 1 b { c: [ 2, 3 ] d: E_F } b { }')).toEqual({ a: [1], b: [{ c: [2, 3], d: ['E_F'] }, {}] });
    expect(() => parseTextProto('a { b: 1')).toThrow(/missing "}"/);
    expect(() => parseTritonConfig('platform: "onnxruntime_onnx"')).toThrow(/name is missing/);
  });
});

describe.skipIf(!hasModels)(`Triton model-repository entry (${hasModels ? 'the shipped ONNX model' : 'needs public/models (npm ci): absent here, skipped'})`, () => {
  it('pack <onnx folder> --out --triton: config.pbtxt names the graph\'s input/output with its dims; model.onnx is the packed bytes', async () => {
    const out = join(TMP, 'packed');
    const repo = join(TMP, 'repo');
    const lines: string[] = [];
    expect(await runPack([ONNX_DIR, '--out', out, '--triton', repo], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/Triton entry in .*repo\/nsfw-mobilenet-v2-onnx \(config\.pbtxt, 1\/model\.onnx, labels\.txt; max_batch_size 8, input "input" \[224, 224, 3\], output "probabilities" \[5\]\)/);
    const entry = join(repo, NAME);
    const text = readFileSync(join(entry, 'config.pbtxt'), 'utf8');
    const config = parseTritonConfig(text);
    const model = readFileSync(join(entry, '1', 'model.onnx'));
    const io = await readOnnxIO(new Uint8Array(model));
    expect(io.inputs.map((i) => i.name)).toEqual(['input']);
    expect(io.inputs[0]!.dims).toEqual(['batch', 224, 224, 3]);
    expect(io.outputs[0]!.dims).toEqual(['batch', 5]);
    expect(config).toEqual({
      name: NAME, platform: 'onnxruntime_onnx', maxBatchSize: 8,
      input: [{ name: io.inputs[0]!.name, dataType: 'TYPE_FP32', dims: io.inputs[0]!.dims.slice(1) }],
      output: [{ name: io.outputs[0]!.name, dataType: 'TYPE_FP32', dims: io.outputs[0]!.dims.slice(1), labelFilename: 'labels.txt' }],
    });
    expect(text).toContain('    data_type: TYPE_FP32\n    dims: [ 224, 224, 3 ]\n');
    expect(model.equals(readFileSync(join(ONNX_DIR, 'model.onnx')))).toBe(true);
    expect(model.equals(readFileSync(join(out, 'model.onnx')))).toBe(true);
    expect(readFileSync(join(entry, 'labels.txt'), 'utf8')).toBe(readFileSync(join(ONNX_DIR, 'labels.txt'), 'utf8'));
    const verified = await verifyTritonEntry(entry);
    expect(verified.problems).toEqual([]);
    expect(verified.checked).toContain('input "input" TYPE_FP32 [224, 224, 3] (batch ≤ 8) fits 1/model.onnx [batch, 224, 224, 3]');
  });

  it('standalone on a packed folder (nothing repacked) and the API give the same entry; pack({ triton }) returns it', async () => {
    const a = join(TMP, 'repo-a');
    const b = join(TMP, 'repo-b');
    const lines: string[] = [];
    expect(await runPack([ONNX_DIR, `--triton=${a}`], (l) => lines.push(l), (l) => lines.push(l))).toBe(0);
    expect(lines).toHaveLength(1);
    const entry = await writeTritonEntry(ONNX_DIR, b);
    expect(entry.files).toEqual(['config.pbtxt', '1/model.onnx', 'labels.txt']);
    expect(readFileSync(join(a, NAME, 'config.pbtxt'), 'utf8')).toBe(readFileSync(join(entry.dir, 'config.pbtxt'), 'utf8'));
    const r = await pack({ source: ONNX_DIR, out: join(TMP, 'packed-api'), triton: join(TMP, 'repo-c') });
    expect(r.triton?.dir).toBe(join(TMP, 'repo-c', NAME));
    expect(r.triton?.config.maxBatchSize).toBe(8);
  });

  it('refuses a tfjs model without --onnx-twin (before writing), a folder that is not packed, and --triton without a folder', async () => {
    const out = join(TMP, 'tfjs-packed');
    const error = await pack({ source: TFJS_DIR, out, triton: join(TMP, 'repo-tfjs') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackError);
    expect((error as PackError).message).toMatch(/^triton: --triton writes an ONNX model .*this model is tfjs-layers: add --onnx-twin/);
    expect(existsSync(out)).toBe(false);
    await expect(writeTritonEntry(TFJS_DIR, join(TMP, 'repo-tfjs'))).rejects.toThrow(/tfjs-layers model.*--onnx-twin/);
    await expect(writeTritonEntry(TMP, join(TMP, 'repo-x'))).rejects.toThrow(/is not a packed folder \(no manifest\.json\)/);
    const errors: string[] = [];
    expect(await runPack([ONNX_DIR, '--out', join(TMP, 'x'), '--triton'], () => {}, (l) => errors.push(l))).toBe(2);
    expect(errors[0]).toMatch(/--triton needs a model repository folder/);
  });

  it('verify reports an entry whose config does not fit the graph, names another folder, or lacks labels', async () => {
    const entry = join(TMP, 'repo-bad', NAME);
    await writeTritonEntry(ONNX_DIR, join(TMP, 'repo-bad'));
    const good = readFileSync(join(entry, 'config.pbtxt'), 'utf8');
    writeFileSync(join(entry, 'config.pbtxt'), good.replace('dims: [ 224, 224, 3 ]', 'dims: [ 3, 224, 224 ]').replace(`name: "${NAME}"`, 'name: "other"').replace('name: "probabilities"', 'name: "logits"'));
    rmSync(join(entry, 'labels.txt'));
    const { ok, problems } = await verifyTritonEntry(entry);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      `config.pbtxt name "other" is not the folder name "${NAME}" (Triton requires them equal)`,
      'input "input" dims [3, 224, 224] (+ batch) do not fit 1/model.onnx [batch, 224, 224, 3]',
      'output "logits" is not in 1/model.onnx (outputs: probabilities)',
    ]);
    writeFileSync(join(entry, 'config.pbtxt'), good);
    expect((await verifyTritonEntry(entry)).problems).toEqual(['label_filename labels.txt does not exist']);
  });
});

describe.skipIf(!hasModels)(`the verify command on Triton folders (${hasModels ? 'the shipped ONNX model' : 'needs public/models'})`, () => {
  const verify = async (dir: string) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runVerify([dir], (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  it('checks an entry (<repo>/<name>), a whole repository (every entry), and still a packed folder', async () => {
    const repo = join(TMP, 'repo-cli');
    await writeTritonEntry(ONNX_DIR, repo);
    const entry = await verify(join(repo, NAME));
    expect(entry.code).toBe(0);
    expect(entry.err).toEqual([]);
    expect(entry.out).toContain('ok: config.pbtxt parses');
    expect(entry.out).toContain('ok: input "input" TYPE_FP32 [224, 224, 3] (batch ≤ 8) fits 1/model.onnx [batch, 224, 224, 3]');
    expect(entry.out.at(-1)).toMatch(/verify: .*repo-cli\/nsfw-mobilenet-v2-onnx is ok \(a Triton model-repository entry\)$/);

    const whole = await verify(repo);
    expect(whole.code).toBe(0);
    expect(whole.out).toContain(`ok: ${NAME}: config.pbtxt parses`);
    expect(whole.out.at(-1)).toMatch(new RegExp(`is ok \\(a Triton model repository: ${NAME}\\)$`));

    const packed = await verify(ONNX_DIR);
    expect(packed.code).toBe(0);
    expect(packed.out.at(-1)).toMatch(/is ok \(a packed folder\)$/);
  });

  it('a broken entry exits 1 with its problems, named by entry in a repository', async () => {
    const repo = join(TMP, 'repo-cli-bad');
    await writeTritonEntry(ONNX_DIR, repo);
    const config = join(repo, NAME, 'config.pbtxt');
    writeFileSync(config, readFileSync(config, 'utf8').replace('dims: [ 224, 224, 3 ]', 'dims: [ 3, 224, 224 ]'));
    const entry = await verify(join(repo, NAME));
    expect(entry.code).toBe(1);
    expect(entry.err).toEqual(['problem: input "input" dims [3, 224, 224] (+ batch) do not fit 1/model.onnx [batch, 224, 224, 3]']);
    expect(entry.out.at(-1)).toMatch(/1 problem\(s\) in .* \(a Triton model-repository entry\)$/);
    const whole = await verify(repo);
    expect(whole.code).toBe(1);
    expect(whole.err).toEqual([`problem: ${NAME}: input "input" dims [3, 224, 224] (+ batch) do not fit 1/model.onnx [batch, 224, 224, 3]`]);
    // A folder that is neither: the packed-folder check says what is missing.
    const empty = join(TMP, 'neither');
    mkdirSync(empty, { recursive: true });
    const none = await verify(empty);
    expect(none.code).toBe(1);
    expect(none.err[0]).toMatch(/manifest\.json does not exist/);
  });
});

describe.skipIf(!hasModels)(`a fixed-batch graph (${hasModels ? 'the shipped ONNX model with its batch pinned to 1' : 'needs public/models'})`, () => {
  it('max_batch_size 0, and the dims keep the graph\'s batch dim', async () => {
    const dir = join(TMP, 'pinned');
    cpSync(ONNX_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'model.onnx'), await pinSymbolicDims(new Uint8Array(readFileSync(join(ONNX_DIR, 'model.onnx'))), [1, 224, 224, 3]));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, name: 'pinned', ...hashFiles(dir, ['model.onnx', 'labels.txt']) }));
    const entry = await writeTritonEntry(dir, join(TMP, 'repo-pinned'));
    const config = parseTritonConfig(readFileSync(join(entry.dir, 'config.pbtxt'), 'utf8'));
    expect(config.maxBatchSize).toBe(0);
    expect(config.input).toEqual([{ name: 'input', dataType: 'TYPE_FP32', dims: [1, 224, 224, 3] }]);
    expect(config.output).toEqual([{ name: 'probabilities', dataType: 'TYPE_FP32', dims: [1, 5], labelFilename: 'labels.txt' }]);
    expect((await verifyTritonEntry(entry.dir)).problems).toEqual([]);
  });
});

describe.skipIf(!hasSharedData)(`an NCHW graph (${hasSharedData ? 'the shared ImageNet MobileNetV2' : 'needs ../shared/data: absent here, skipped'})`, () => {
  it('pack <bare .onnx> --preset torchvision --triton: dims [3, 224, 224], 1000 classes, the graph\'s own names', async () => {
    const r = await pack({ source: join(SHARED_DATA, 'models', ONNX_MODEL_FILE), out: join(TMP, 'imagenet'), preset: 'torchvision', labelsFile: join(SHARED_DATA, 'labels', 'imagenet_classes.txt'), name: 'imagenet-mobilenetv2', triton: join(TMP, 'repo-imagenet') });
    const io = await readOnnxIO(new Uint8Array(readFileSync(join(SHARED_DATA, 'models', ONNX_MODEL_FILE))));
    const config = parseTritonConfig(readFileSync(join(r.triton!.dir, 'config.pbtxt'), 'utf8'));
    expect(config).toEqual({
      name: 'imagenet-mobilenetv2', platform: 'onnxruntime_onnx', maxBatchSize: 8,
      input: [{ name: io.inputs[0]!.name, dataType: 'TYPE_FP32', dims: [3, 224, 224] }],
      output: [{ name: io.outputs[0]!.name, dataType: 'TYPE_FP32', dims: [1000], labelFilename: 'labels.txt' }],
    });
    expect(readFileSync(join(r.triton!.dir, '1', 'model.onnx')).equals(readFileSync(join(SHARED_DATA, 'models', ONNX_MODEL_FILE)))).toBe(true);
    expect((await verifyTritonEntry(r.triton!.dir)).ok).toBe(true);
  });
});
