/**
 * Every file of ../shared/data/bad/ gets its documented outcome (a typed
 * error, or a correct classification), and the classifier keeps working
 * after each one. Non-image objects and broken model files get typed errors.
 * The table below is the documented behaviour (README "Inputs").
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ModelManifest } from '../src/types.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, readShared, sha256, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';
import { classifyUrl, createInPage } from './helpers/page-api.js';

const CAT = ['Egyptian cat', 'tabby', 'tiger cat'];
const EAGLE = ['bald eagle'];

type Expect = { error: string } | { labels: string[] | 'any'; warning?: RegExp };
const EXPECTED: Record<string, Expect> = {
  'zero_bytes.jpg': { error: 'UNSUPPORTED_INPUT' },
  'text_file_renamed.jpg': { error: 'UNSUPPORTED_INPUT' },
  'html_page_renamed.png': { error: 'UNSUPPORTED_INPUT' },
  'vector_cat_drawing.svg': { error: 'UNSUPPORTED_INPUT' },
  'tiff_not_browser_decodable.tiff': { error: 'UNSUPPORTED_INPUT' },
  'truncated_header_only.jpg': { error: 'DECODE_FAILED' },
  'truncated_40pct.jpg': { error: 'DECODE_FAILED' },
  'bomb_20000x20000_header_only.png': { error: 'INPUT_TOO_LARGE' },
  'bomb_20000x20000_valid_1bit.png': { error: 'INPUT_TOO_LARGE' },
  'bomb_65500x65500_header.jpg': { error: 'INPUT_TOO_LARGE' },
  'animated_3_frames_cat_dog_eagle.gif': { labels: CAT },
  'webp_animated.webp': { labels: CAT },
  'cmyk.jpg': { labels: CAT },
  'grayscale.jpg': { labels: CAT },
  'grayscale_16bit.png': { labels: CAT },
  'rgb_16bit.png': { labels: CAT },
  'grayscale_alpha.png': { labels: CAT },
  'palette_indexed.png': { labels: CAT },
  'rgba_transparent_regions.png': { labels: CAT },
  'webp_lossless_alpha.webp': { labels: CAT },
  'exif_orientation_1_reference.jpg': { labels: CAT },
  'exif_orientation_3.jpg': { labels: CAT },
  'exif_orientation_6.jpg': { labels: CAT },
  'exif_orientation_8.jpg': { labels: CAT },
  'exif_orientation_6_but_pixels_upright.jpg': { labels: 'any' },
  'webp_lossy.webp': { labels: EAGLE },
  'png_named_as.jpg': { labels: EAGLE },
  'bitmap.bmp': { labels: EAGLE },
  'progressive.jpg': { labels: ['Samoyed'] },
  'corrupt_scan_data.jpg': { labels: 'any' },
  'tiny_1x1.png': { labels: 'any', warning: /1x1 px/ },
  'tiny_1x1.jpg': { labels: 'any', warning: /1x1 px/ },
  'extreme_aspect_4000x40.jpg': { labels: 'any' },
  'extreme_aspect_3x3000.png': { labels: 'any', warning: /3x3000 px/ },
  'solid_black_224.png': { labels: 'any' },
  'solid_gray_300x200.jpg': { labels: 'any' },
};

describe.skipIf(!hasSharedData)(`bad and tricky inputs (${hasSharedData ? 'shared bad/ corpus' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();
  beforeAll(async () => {
    await createInPage(demo().page, { model: imagenetManifest(), backends: ['wasm'], baseUrl: '/shared-data/models/' });
  });

  test('the table covers every file in bad/', () => {
    const files = readdirSync(join(SHARED_DATA, 'bad')).filter((f) => f !== 'README.md' && f !== 'models');
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  test.each(Object.entries(EXPECTED))('%s', async (file, expected) => {
    const outcome = await classifyUrl(demo().page, `/shared-data/bad/${file}`);
    if ('error' in expected) {
      expect(outcome.ok ? `classified as ${outcome.result.top[0]!.label}` : outcome.code).toBe(expected.error);
      if (!outcome.ok && expected.error === 'UNSUPPORTED_INPUT') expect(outcome.message).toContain('Accepted:');
    } else {
      if (!outcome.ok) throw new Error(`${file}: ${outcome.code} ${outcome.message}`);
      const top = outcome.result.top[0]!;
      expect(top.score).toBeGreaterThan(0);
      if (expected.labels !== 'any') expect(expected.labels).toContain(top.label);
      if (expected.warning) expect(outcome.result.warnings.join(' ')).toMatch(expected.warning);
    }
    // The classifier still works after every bad input.
    const after = await classifyUrl(demo().page, '/shared-data/photos/cat_chelsea.png');
    expect(after.ok && CAT.includes(after.result.top[0]!.label)).toBe(true);
  });

  test('EXIF-rotated copies classify like the upright reference', async () => {
    const probs: number[] = [];
    for (const f of ['exif_orientation_1_reference.jpg', 'exif_orientation_3.jpg', 'exif_orientation_6.jpg', 'exif_orientation_8.jpg']) {
      const o = await classifyUrl(demo().page, `/shared-data/bad/${f}`);
      if (!o.ok) throw new Error(o.message);
      probs.push(o.result.scores[o.result.top[0]!.index]!);
    }
    for (const p of probs.slice(1)) expect(Math.abs(p - probs[0]!)).toBeLessThan(0.01);
  });

  test('non-image values and unusable objects reject with typed errors', async () => {
    const codes = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const code = async (fn: () => Promise<unknown>) => fn().then(() => 'resolved', (e: { code?: string }) => e.code ?? 'untyped');
      const closed = await createImageBitmap(new ImageData(4, 4));
      closed.close();
      const cases: Record<string, () => Promise<unknown>> = {
        null: () => clf.classify(null as never),
        number: () => clf.classify(42 as never),
        string: () => clf.classify('cat.jpg' as never),
        plainObject: () => clf.classify({} as never),
        closedBitmap: () => clf.classify(closed),
        emptyCanvas: () => clf.classify(Object.assign(document.createElement('canvas'), { width: 0, height: 0 })),
        brokenImgElement: () => clf.classify(Object.assign(new Image(), { src: 'data:image/png;base64,AAAA' })),
        tensorWrongLength: () => clf.classifyTensor(new Float32Array(10)),
        tensorNotFloat32: () => clf.classifyTensor([1, 2, 3] as never),
      };
      const out: Record<string, string> = {};
      for (const [name, fn] of Object.entries(cases)) out[name] = await code(fn);
      out.stillWorks = (await clf.classifyTensor(new Float32Array(3 * 224 * 224))).top.length === 5 ? 'yes' : 'no';
      return out;
    });
    expect(codes).toEqual({
      null: 'UNSUPPORTED_INPUT', number: 'UNSUPPORTED_INPUT', string: 'UNSUPPORTED_INPUT', plainObject: 'UNSUPPORTED_INPUT',
      closedBitmap: 'UNSUPPORTED_INPUT', emptyCanvas: 'UNSUPPORTED_INPUT', brokenImgElement: 'DECODE_FAILED',
      tensorWrongLength: 'UNSUPPORTED_INPUT', tensorNotFloat32: 'UNSUPPORTED_INPUT', stillWorks: 'yes',
    });
  });

  test('dispose: later calls reject with DISPOSED', async () => {
    const code = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      await clf.dispose();
      await clf.dispose(); // idempotent
      return clf.classifyTensor(new Float32Array(3 * 224 * 224)).then(() => 'resolved', (e: { code?: string }) => e.code);
    });
    expect(code).toBe('DISPOSED');
    await createInPage(demo().page, { model: imagenetManifest(), backends: ['wasm'], baseUrl: '/shared-data/models/' });
  });
});

describe.skipIf(!hasSharedData)(`broken model files (${hasSharedData ? 'shared bad/models' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  /** The ImageNet manifest pointed at a file of bad/models/, with that file's real sha256 unless told otherwise. */
  function manifestFor(file: string, sha = sha256(readShared(`bad/models/${file}`))): ModelManifest {
    const m = imagenetManifest();
    return { ...m, files: { model: file }, sha256: { [file]: sha } };
  }
  const create = (model: ModelManifest) => createInPage(demo().page, { model, backends: ['wasm'], baseUrl: '/shared-data/bad/models/' });

  test('not the file at all (LFS pointer, HTML page): MODEL_LOAD_FAILED naming what the server sent, before any hash', async () => {
    const realSha = imagenetManifest().sha256['mobilenetv2-12-int8-dequantized-fp32.onnx']!;
    await expect(create(manifestFor('git_lfs_pointer_instead_of_model.onnx', realSha))).rejects.toThrow(/MODEL_LOAD_FAILED: .*git_lfs_pointer_instead_of_model\.onnx returned a Git LFS pointer/);
    await expect(create(manifestFor('html_page_instead_of_model.onnx', realSha))).rejects.toThrow(/MODEL_LOAD_FAILED: .*html_page_instead_of_model\.onnx returned an HTML page \(HTTP 200/);
  });

  test('real bytes that differ from the sha256: MODEL_INTEGRITY', async () => {
    const realSha = imagenetManifest().sha256['mobilenetv2-12-int8-dequantized-fp32.onnx']!;
    await expect(create(manifestFor('truncated_1MB_of_mobilenetv2-12-int8.onnx', realSha))).rejects.toThrow(/MODEL_INTEGRITY: .*does not match the manifest's sha256/);
  });

  test('matching sha256 but not a model: MODEL_LOAD_FAILED saying what the file is', async () => {
    await expect(create(manifestFor('zero_bytes.onnx'))).rejects.toThrow(/MODEL_LOAD_FAILED: .*empty/);
    await expect(create(manifestFor('git_lfs_pointer_instead_of_model.onnx'))).rejects.toThrow(/MODEL_LOAD_FAILED: .*Git LFS pointer/);
    await expect(create(manifestFor('html_page_instead_of_model.onnx'))).rejects.toThrow(/MODEL_LOAD_FAILED: .*HTML page/);
  });

  test('truncated model: every backend fails to parse it and says so', async () => {
    await expect(create(manifestFor('truncated_1MB_of_mobilenetv2-12-int8.onnx'))).rejects.toThrow(/NO_BACKEND: .*wasm: /);
  });

  test('a valid model that does not fit the manifest (MNIST 1x1x28x28): MODEL_LOAD_FAILED', async () => {
    const m = manifestFor('mnist_valid_onnx_wrong_io_1x1x28x28.onnx');
    await expect(create({ ...m, input: { ...m.input, name: undefined }, output: { ...m.output, name: undefined } })).rejects.toThrow(/MODEL_LOAD_FAILED: .*\[1,1,28,28\]/);
  });

  test('an invalid manifest: MANIFEST_INVALID naming the field', async () => {
    const m = imagenetManifest();
    await expect(createInPage(demo().page, { model: { ...m, input: { ...m.input, layout: 'CHW' as never } } })).rejects.toThrow(/MANIFEST_INVALID: .*"input\.layout"/);
  });
});
