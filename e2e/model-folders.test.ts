/**
 * Issue 15: model folders as `model` URLs, in Chromium. A temp folder (never
 * in the repo) is served under /__model-folders__/ by the page's own routes
 * (page.route); any path it does not hold goes on to the demo's Vite dev
 * server, which answers an unknown path with its index.html, as many dev
 * servers and SPA hosts do. The folders:
 *   hf/      a raw Hugging Face download: config.json (id2label),
 *            preprocessor_config.json, onnx/model.onnx (the shared MobileNetV2);
 *   packed/  a manifest.json next to model.onnx;
 *   broken/  a manifest.json whose model.onnx is missing.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, ONNX_MODEL_FILE, readShared, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';

const CAT = ['tabby', 'tiger cat', 'Egyptian cat', 'Persian cat', 'Siamese cat'];
const PREFIX = '/__model-folders__/';

/** Writes the three folders into a fresh temp dir. */
function makeFolders(): string {
  const root = mkdtempSync(join(tmpdir(), 'model-folders-'));
  const put = (path: string, body: string | Buffer) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), body);
  };
  const labels = readShared('labels/imagenet_classes.txt').toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  put('hf/config.json', JSON.stringify({
    architectures: ['MobileNetV2ForImageClassification'], model_type: 'mobilenet_v2',
    id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
  }, null, 2));
  put('hf/preprocessor_config.json', JSON.stringify({
    image_processor_type: 'MobileNetV2ImageProcessor', do_resize: true, size: { shortest_edge: 256 }, resample: 2,
    do_center_crop: true, crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255,
    do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
  }, null, 2));
  mkdirSync(join(root, 'hf', 'onnx'), { recursive: true });
  copyFileSync(join(SHARED_DATA, 'models', ONNX_MODEL_FILE), join(root, 'hf', 'onnx', 'model.onnx'));

  const manifest = imagenetManifest();
  const packed = { ...manifest, files: { model: 'model.onnx' }, sha256: { 'model.onnx': manifest.sha256[ONNX_MODEL_FILE]! } };
  put('packed/manifest.json', JSON.stringify(packed));
  copyFileSync(join(SHARED_DATA, 'models', ONNX_MODEL_FILE), join(root, 'packed', 'model.onnx'));
  put('broken/manifest.json', JSON.stringify(packed));
  return root;
}

type Outcome = { ok: true; top1: string; unverified: string | undefined; labels: number } | { ok: false; code: string; message: string };

describe.skipIf(!hasSharedData)(`model folders as model URLs (${hasSharedData ? 'temp folders' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();
  let root = '';

  beforeAll(async () => {
    root = makeFolders();
    await demo().page.route(`**${PREFIX}**`, (route) => {
      const path = normalize(decodeURIComponent(new URL(route.request().url()).pathname.slice(PREFIX.length)));
      const file = join(root, path);
      let body: Buffer;
      try {
        if (!file.startsWith(root + sep)) throw new Error('outside');
        body = readFileSync(file);
      } catch {
        return route.continue(); // the dev server's answer: its index.html
      }
      return route.fulfill({ status: 200, body, contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    });
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** createClassifier in the page, then one photo classified; the error's code and message otherwise. */
  const attempt = (options: { model: string; integrity?: 'sha256' | 'none' }): Promise<Outcome> =>
    demo().page.evaluate(async (opts) => {
      try {
        const clf = await window.inpageClassifier.createClassifier({ ...opts, backends: ['wasm'], modelCache: false });
        const photo = await (await fetch('/shared-data/photos/cat_chelsea.png')).blob();
        const { top } = await clf.classify(photo);
        const out = { ok: true as const, top1: top[0]!.label, unverified: clf.manifest.unverified, labels: clf.labels.length };
        await clf.dispose();
        return out;
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return { ok: false as const, code: err.code ?? 'untyped', message: err.message ?? String(e) };
      }
    }, options);

  test('a raw Hugging Face folder without the opt-out: MANIFEST_INVALID naming pack and the option', async () => {
    const out = await attempt({ model: `${PREFIX}hf/` });
    expect(out).toMatchObject({ ok: false, code: 'MANIFEST_INVALID' });
    if (out.ok) return;
    expect(out.message).toMatch(/hf\/ has no manifest\.json \(an HTML page \(HTTP 200, text\/html\)\) but is a Hugging Face model folder/);
    expect(out.message).toContain('npx inpage-classifier pack <folder> --out <dir>');
    expect(out.message).toContain("integrity: 'none'");
  });

  test("the same folder with integrity: 'none' loads through the adapters and classifies a photo", async () => {
    const out = await attempt({ model: `${PREFIX}hf/`, integrity: 'none' });
    if (!out.ok) throw new Error(`${out.code}: ${out.message}`);
    expect(out.labels).toBe(1000);
    expect(CAT).toContain(out.top1);
    expect(out.unverified).toMatch(/integrity: 'none'.*npx inpage-classifier pack/);
  });

  test('a folder with a manifest.json loads (with and without the trailing slash)', async () => {
    for (const model of [`${PREFIX}packed/`, `${PREFIX}packed`]) {
      const out = await attempt({ model });
      if (!out.ok) throw new Error(`${model}: ${out.code}: ${out.message}`);
      expect(CAT).toContain(out.top1);
      expect(out.unverified).toBeUndefined();
    }
  });

  test("a missing model file answered by the dev server's index.html: MODEL_LOAD_FAILED naming the URL, before any hash", async () => {
    const out = await attempt({ model: `${PREFIX}broken/` });
    expect(out).toMatchObject({ ok: false, code: 'MODEL_LOAD_FAILED' });
    if (out.ok) return;
    expect(out.message).toMatch(/^http:\/\/localhost:\d+\/__model-folders__\/broken\/model\.onnx returned an HTML page \(HTTP 200, text\/html\): the file is missing there or the server rewrites unknown paths to index\.html/);
    expect(out.message).not.toMatch(/sha256/);
  });

  test('a bare .onnx URL and a config.json URL: MANIFEST_INVALID saying what they are and naming pack', async () => {
    const onnx = await attempt({ model: `${PREFIX}hf/onnx/model.onnx` });
    expect(onnx).toMatchObject({ ok: false, code: 'MANIFEST_INVALID', message: expect.stringMatching(/bare ONNX model.*npx inpage-classifier pack/) });
    const config = await attempt({ model: `${PREFIX}hf/config.json` });
    expect(config).toMatchObject({ ok: false, code: 'MANIFEST_INVALID', message: expect.stringMatching(/is a Hugging Face config\.json, not an inpage-classifier manifest.*integrity: 'none'.*npx inpage-classifier pack/) });
  });
});
