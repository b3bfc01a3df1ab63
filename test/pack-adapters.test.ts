/**
 * The source adapters (src/adapters) on real models: Hugging Face-style and
 * Teachable Machine-style folders written around the shared ImageNet ONNX
 * and the shipped nsfwjs tfjs-layers model, with the manifest fields they must
 * give, and the errors for what cannot be mapped (each naming the field and
 * the flag). Sources are in-memory SourceFiles, so nothing is written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { adaptSource, detectSourceKind, type PackFlags, PackError, parsePackArgs, type SourceFiles } from '../src/adapters/index.js';
import { ONNX_MODEL_FILE, SHARED_DATA, hasSharedData } from '../tools/shared-data.js';

const ONNX_PATH = join(SHARED_DATA, 'models', ONNX_MODEL_FILE);
const IMAGENET = hasSharedData ? readFileSync(join(SHARED_DATA, 'labels', 'imagenet_classes.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : [];
const NSFW = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2');
const hasNsfw = existsSync(join(NSFW, 'model.json'));
const NEEDS_SHARED = 'needs ../shared/data (models, labels): absent here, skipped';
const NEEDS_NSFW = 'needs public/models (npm ci runs scripts/prepare-assets.mjs): absent here, skipped';

type Entry = Uint8Array | string | object | (() => Uint8Array);
/** An in-memory source folder: JSON objects, text, bytes, or a lazy file read. */
function memory(entries: Record<string, Entry>): SourceFiles {
  const cache = new Map<string, Uint8Array>();
  return {
    list: () => Object.keys(entries).sort(),
    async read(path) {
      const e = entries[path];
      if (e === undefined) throw new Error(`no ${path}`);
      if (!cache.has(path)) {
        cache.set(path, e instanceof Uint8Array ? e : typeof e === 'function' ? (e as () => Uint8Array)() : new TextEncoder().encode(typeof e === 'string' ? e : JSON.stringify(e)));
      }
      return cache.get(path)!;
    },
  };
}

const onnxBytes = () => new Uint8Array(readFileSync(ONNX_PATH));
const id2label = () => Object.fromEntries(IMAGENET.map((l, i) => [String(i), l]));

function hf(pre: object | undefined, config: object = {}, extra: Record<string, Entry> = {}): SourceFiles {
  return memory({ 'config.json': { id2label: id2label(), ...config }, ...(pre ? { 'preprocessor_config.json': pre } : {}), 'onnx/model.onnx': onnxBytes, ...extra });
}

async function packError(files: SourceFiles, flags: PackFlags = {}): Promise<PackError> {
  try {
    await adaptSource(files, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(PackError);
    return error as PackError;
  }
  throw new Error('adaptSource did not throw');
}

const VIT = { do_resize: true, size: { height: 224, width: 224 }, resample: 2, do_rescale: true, rescale_factor: 0.00392156862745098, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], image_processor_type: 'ViTImageProcessor' };

describe('detectSourceKind', () => {
  it('by file names', () => {
    expect(detectSourceKind(['manifest.json', 'model.onnx'])).toBe('manifest');
    expect(detectSourceKind(['config.json', 'preprocessor_config.json', 'onnx/model.onnx'])).toBe('huggingface');
    expect(detectSourceKind(['metadata.json', 'model.json', 'weights.bin'])).toBe('teachable-machine');
    expect(detectSourceKind(['model.json', 'group1-shard1of1.bin'])).toBe('tfjs');
    expect(detectSourceKind(['emotion.json', 'emotion.bin'])).toBe('tfjs');
    expect(detectSourceKind(['resnet.onnx'])).toBe('onnx');
    expect(() => detectSourceKind(['notes.txt'])).toThrow(PackError);
  });
});

describe.skipIf(!hasSharedData)(`Hugging Face folder around the ImageNet ONNX (${hasSharedData ? 'shared data' : NEEDS_SHARED})`, () => {
  it('ViT-style {height, width}: stretch, bilinear, labels from id2label, softmax, pixel_values from the graph', async () => {
    const r = await adaptSource(hf(VIT));
    expect(r.kind).toBe('huggingface');
    expect(r.manifest.format).toBe('onnx');
    expect(r.manifest.files).toEqual({ model: 'model.onnx' });
    expect(r.files).toEqual(['onnx/model.onnx']);
    expect(r.targets).toEqual({ 'onnx/model.onnx': 'model.onnx' });
    expect(r.manifest.input).toEqual({ name: 'input', size: [224, 224], layout: 'NCHW', resize: { mode: 'stretch', filter: 'bilinear' }, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], channels: 'RGB' });
    expect(r.manifest.output).toEqual({ name: 'output', activation: 'softmax' });
    expect(r.labels).toEqual(IMAGENET);
    expect(r.inferred).toContainEqual({ field: 'input.size', value: '224x224 (height x width)', from: 'preprocessor_config.json size {"height":224,"width":224}' });
    expect(r.inferred).toContainEqual({ field: 'labels', value: '1000: tench, goldfish, great white shark, ...', from: 'config.json id2label' });
  });

  it('shortest_edge + center crop, bicubic (resample 3): crop with HF\'s floor offset', async () => {
    const r = await adaptSource(hf({ ...VIT, size: { shortest_edge: 256 }, do_center_crop: true, crop_size: { height: 224, width: 224 }, resample: 3, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], image_processor_type: 'CLIPImageProcessor' }));
    expect(r.manifest.input.resize).toEqual({ mode: 'crop', shorterSide: 256, filter: 'bicubic', cropOffset: 'floor' });
    expect(r.manifest.input.size).toEqual([224, 224]);
    expect(r.manifest.input.mean).toEqual([0.485, 0.456, 0.406]);
    expect(r.inferred).toContainEqual({ field: 'input.resize.filter', value: 'bicubic', from: 'preprocessor_config.json resample 3' });
    // An int crop_size and int size on a CLIP processor mean the same.
    const ints = await adaptSource(hf({ ...VIT, size: 256, do_center_crop: true, crop_size: 224, resample: 3, image_processor_type: 'CLIPImageProcessor' }));
    expect(ints.manifest.input.resize).toEqual({ mode: 'crop', shorterSide: 256, filter: 'bicubic', cropOffset: 'floor' });
  });

  it('ConvNeXt crop_pct: shorter side int(224 / 0.875) = 256, center crop 224', async () => {
    const r = await adaptSource(hf({ ...VIT, size: { shortest_edge: 224 }, crop_pct: 0.875, image_processor_type: 'ConvNextImageProcessor' }));
    expect(r.manifest.input.resize).toEqual({ mode: 'crop', shorterSide: 256, filter: 'bilinear', cropOffset: 'floor' });
    expect(r.manifest.input.size).toEqual([224, 224]);
    expect(r.inferred.find((row) => row.field === 'input.resize.shorterSide')!.from).toContain('crop_pct 0.875');
  });

  it('scalar mean/std, do_flip_channel_order → BGR (listed in BGR order), multi-label → sigmoid', async () => {
    const r = await adaptSource(hf({ ...VIT, image_mean: 0.5, image_std: 0.25, do_flip_channel_order: true }, { problem_type: 'multi_label_classification' }));
    expect(r.manifest.input.channels).toBe('BGR');
    expect(r.manifest.input.mean).toEqual([0.5, 0.5, 0.5]);
    expect(r.manifest.input.std).toEqual([0.25, 0.25, 0.25]);
    expect(r.manifest.output.activation).toBe('sigmoid');
    const lists = await adaptSource(hf({ ...VIT, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225], do_flip_channel_order: true }));
    expect(lists.manifest.input.mean).toEqual([0.406, 0.456, 0.485]);
    expect(lists.manifest.input.std).toEqual([0.225, 0.224, 0.229]);
  });

  it('do_rescale / do_normalize false', async () => {
    const r = await adaptSource(hf({ ...VIT, do_rescale: false, do_normalize: false }));
    expect(r.manifest.input).toMatchObject({ scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('flags override what was read', async () => {
    const r = await adaptSource(hf(VIT), { resize: 'crop', shorterSide: 256, filter: 'bicubic', name: 'mine', version: '2', labelOffset: 0 });
    expect(r.manifest.input.resize).toEqual({ mode: 'crop', shorterSide: 256, filter: 'bicubic' });
    expect(r.manifest).toMatchObject({ name: 'mine', version: '2' });
    expect(r.inferred).toContainEqual({ field: 'input.resize.mode', value: 'crop', from: '--resize' });
  });

  it('ONNX variants: --variant quantized, and the variants listed when the one asked is missing', async () => {
    const files = hf(VIT, {}, { 'onnx/model_quantized.onnx': onnxBytes, 'onnx/model_fp16.onnx': onnxBytes });
    const q = await adaptSource(files, { variant: 'quantized' });
    expect(q.manifest.files.model).toBe('model_quantized.onnx');
    expect(q.targets).toEqual({ 'onnx/model_quantized.onnx': 'model_quantized.onnx' });
    const e = await packError(files, { variant: 'int8' });
    expect(e.flag).toBe('--variant');
    expect(e.message).toMatch(/no "int8" variant.*variants found: default, fp16, quantized/);
  });

  it('timm pretrained_cfg: floor(224 / 0.9) = 248, bicubic, torchvision crop rounding, label_names', async () => {
    const config = { architecture: 'mobilenetv2_100', num_classes: 1000, label_names: IMAGENET, pretrained_cfg: { input_size: [3, 224, 224], interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], crop_pct: 0.9, crop_mode: 'center' } };
    const r = await adaptSource(memory({ 'config.json': config, 'model.onnx': onnxBytes }));
    expect(r.manifest.input).toMatchObject({ size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 248, filter: 'bicubic', cropOffset: 'round' }, scale: 1 / 255, mean: [0.485, 0.456, 0.406] });
    expect(r.manifest.output.activation).toBe('softmax');
    expect(r.labels).toEqual(IMAGENET);
  });

  it('shortest_edge without a crop on a fixed-size graph: an error that says the two disagree, naming --resize', async () => {
    const e = await packError(hf({ ...VIT, size: { shortest_edge: 224 } }));
    expect(e.field).toBe('input.resize.mode');
    expect(e.flag).toBe('--resize');
    expect(e.message).toMatch(/keeps the aspect ratio.*fixed at 224x224/);
    const ok = await adaptSource(hf({ ...VIT, size: { shortest_edge: 256 } }), { resize: 'crop' });
    expect(ok.manifest.input.resize).toMatchObject({ mode: 'crop', shorterSide: 256 });
  });

  it('bad sources: missing preprocessor_config.json, unknown resample code, too few labels, stretch-then-crop', async () => {
    const missing = await packError(memory({ 'config.json': { id2label: id2label() }, 'onnx/model.onnx': onnxBytes }));
    expect(missing.message).toContain('preprocessor_config.json is missing');
    const resample = await packError(hf({ ...VIT, resample: 7 }));
    expect(resample.field).toBe('input.resize.filter');
    expect(resample.flag).toBe('--filter');
    expect(resample.message).toContain('resample 7 is not a PIL resampling code');
    const labels = await packError(memory({ 'config.json': { id2label: Object.fromEntries(IMAGENET.slice(0, 999).map((l, i) => [String(i), l])) }, 'preprocessor_config.json': VIT, 'onnx/model.onnx': onnxBytes }));
    expect(labels.field).toBe('labels');
    expect(labels.flag).toBe('--labels');
    expect(labels.message).toMatch(/999 labels \(from config.json id2label\) but .* has 1000 outputs/);
    const deit = await packError(hf({ ...VIT, size: { height: 256, width: 256 }, do_center_crop: true, crop_size: { height: 224, width: 224 } }));
    expect(deit.field).toBe('input.resize.mode');
    expect(deit.message).toContain('cannot express');
    const noMean = await packError(hf({ ...VIT, image_mean: undefined }));
    expect(noMean).toMatchObject({ field: 'input.mean', flag: '--mean' });
  });
});

describe.skipIf(!hasSharedData)(`bare ONNX (${hasSharedData ? 'shared data' : NEEDS_SHARED})`, () => {
  const bare = () => memory({ 'mobilenet.onnx': onnxBytes });
  it('torchvision preset + labels', async () => {
    const r = await adaptSource(bare(), { preset: 'torchvision', labels: IMAGENET });
    expect(r.manifest.input).toEqual({ name: 'input', size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 256, filter: 'bilinear' }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channels: 'RGB' });
    expect(r.manifest.output).toEqual({ name: 'output', activation: 'softmax' });
  });
  it('what is missing is an error naming the flag', async () => {
    expect(await packError(bare(), { labels: IMAGENET })).toMatchObject({ field: 'input.resize.mode', flag: '--resize' });
    expect(await packError(bare(), { labels: IMAGENET, resize: 'stretch' })).toMatchObject({ field: 'input.scale', flag: '--scale' });
    expect(await packError(bare(), { preset: 'torchvision' })).toMatchObject({ field: 'labels', flag: '--labels' });
    expect(await packError(bare(), { preset: 'torchvision', labels: IMAGENET.slice(1) })).toMatchObject({ field: 'labels', message: expect.stringMatching(/999 labels .* 1000 outputs/) });
    expect(await packError(bare(), { preset: 'torchvision', labels: IMAGENET, size: [256, 256] })).toMatchObject({ field: 'input.size', flag: '--size', message: expect.stringContaining('fixed at 224x224') });
    expect(await packError(bare(), { preset: 'torchvision', labels: IMAGENET, channels: 'L' })).toMatchObject({ field: 'input.channels', flag: '--channels' });
    expect(await packError(bare(), { preset: 'torchvision', labels: IMAGENET, mean: [0.5, 0.5] })).toMatchObject({ field: 'input.mean', flag: '--mean' });
  });
  it('a label offset makes 999 labels fit 1000 outputs', async () => {
    const r = await adaptSource(bare(), { preset: 'torchvision', labels: IMAGENET.slice(1), labelOffset: 1 });
    expect(r.manifest.output.labelOffset).toBe(1);
  });
});

describe('an ONNX whose input is not an image', () => {
  it('is an error naming the input, its type and shape', async () => {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 7,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'tokens',
          node: [{ opType: 'Identity', input: ['ids'], output: ['out'] }],
          input: [{ name: 'ids', type: { tensorType: { elemType: 7, shape: { dim: [{ dimValue: 1 }, { dimValue: 16 }] } } } }],
          output: [{ name: 'out', type: { tensorType: { elemType: 7, shape: { dim: [{ dimValue: 1 }, { dimValue: 16 }] } } } }],
        },
      }),
    ).finish();
    const e = await packError(memory({ 'text.onnx': model }), { preset: 'torchvision', labels: ['a'] });
    expect(e.field).toBe('input');
    expect(e.flag).toBe('--input-name');
    expect(e.message).toContain('input "ids" is int64 [1, 16]: not an image tensor');
    const notOnnx = await packError(memory({ 'junk.onnx': new TextEncoder().encode('not a model at all') }), { preset: 'torchvision', labels: ['a'] });
    expect(notOnnx.field).toBe('files.model');
  });
});

describe.skipIf(!hasNsfw)(`Teachable Machine export around the shipped tfjs-layers model (${hasNsfw ? 'public/models' : NEEDS_NSFW})`, () => {
  const model = () => new Uint8Array(readFileSync(join(NSFW, 'model.json')));
  const shard = () => new Uint8Array(readFileSync(join(NSFW, 'group1-shard1of1.bin')));
  const labels = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
  const tm = (meta: object) => memory({ 'model.json': model, 'group1-shard1of1.bin': shard, 'metadata.json': { tfjsVersion: '1.3.1', tmVersion: '2.4.4', packageVersion: '0.8.4', packageName: '@teachablemachine/image', modelName: 'tm-my-image-model', labels, imageSize: 224, ...meta } });

  it('maps to crop (shorter side = imageSize), x / 127 - 1, NHWC, labels from metadata.json', async () => {
    const r = await adaptSource(tm({}));
    expect(r.kind).toBe('teachable-machine');
    expect(r.manifest.format).toBe('tfjs-layers');
    expect(r.manifest.files).toEqual({ model: 'model.json', weights: ['group1-shard1of1.bin'] });
    expect(r.manifest.input).toEqual({ size: [224, 224], layout: 'NHWC', resize: { mode: 'crop', shorterSide: 224 }, scale: 1 / 127, mean: [1, 1, 1], std: [1, 1, 1], channels: 'RGB' });
    // (p * scale - mean) / std = p / 127 - 1, Teachable Machine's normalisation.
    const { scale, mean, std } = r.manifest.input;
    for (const p of [0, 127, 255]) expect((p * scale - mean[0]!) / std[0]!).toBeCloseTo(p / 127 - 1, 12);
    // The head ends in a softmax Dense layer: outputs are probabilities already.
    expect(r.manifest.output).toEqual({ activation: 'none' });
    expect(r.labels).toEqual(labels);
    expect(r.manifest).toMatchObject({ name: 'tm-my-image-model', version: '0.8.4' });
  });

  it('grayscale on a 3-channel model is an error naming --channels; too few labels an error naming --labels', async () => {
    expect(await packError(tm({ grayscale: true }))).toMatchObject({ field: 'input.channels', flag: '--channels' });
    expect(await packError(tm({ labels: labels.slice(0, 4) }))).toMatchObject({ field: 'labels', message: expect.stringMatching(/4 labels .* 5 outputs/) });
  });
});

describe('pack flags', () => {
  it('parses values and fractions, and names the flag in errors', () => {
    const a = parsePackArgs(['src', '--out', 'o', '--size', '48x192', '--scale', '1/255', '--mean', '0.485,0.456,0.406', '--std', '0.5', '--layout', 'nchw', '--check', 'a.jpg', 'b.jpg', '--onnx-twin']);
    expect(a.positional).toEqual(['src']);
    expect(a.flags).toMatchObject({ size: [48, 192], scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: 0.5, layout: 'NCHW' });
    expect(a.check).toEqual(['a.jpg', 'b.jpg']);
    expect(a.onnxTwin).toBe(true);
    expect(parsePackArgs(['--pad-value', '-1']).flags.padValue).toBe(-1);
    expect(() => parsePackArgs(['--resize', 'squash'])).toThrow(/--resize squash is not one of crop, stretch, letterbox, fit-height/);
    expect(() => parsePackArgs(['--size', 'big'])).toThrow(/--size big is not HxW/);
    expect(() => parsePackArgs(['--preset', 'keras'])).toThrow(/--preset keras is not one of torchvision, inception, zero-one, paddle-cls/);
    expect(() => parsePackArgs(['--frobnicate', '1'])).toThrow(/unknown flag --frobnicate/);
  });
});
