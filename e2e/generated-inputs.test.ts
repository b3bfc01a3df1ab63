/**
 * Issue 7, hostile inputs beyond the shared corpus, generated here:
 * - all eight EXIF orientations of one photo (pixels stored turned so that the
 *   tag turns them upright): each must give the upright photo's tensor, so
 *   mirrored orientations (2, 4, 5, 7) are checked too, not only rotations;
 * - an SVG carrying a script: refused by its bytes, and the script never runs;
 * - a PNG whose header declares 0×0: a typed error, and the classifier goes on;
 * - a model that is finite at warm-up but gives NaN for some inputs: those
 *   calls reject INFERENCE_FAILED instead of reporting NaN scores.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { OnnxGraphBuilder } from '../tools/convert/onnx-builder.js';
import type { ModelManifest } from '../src/types.js';
import { bytesToBase64 } from '../tools/browser/base64.js';
import { hasSharedData, sha256, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';
import { createInPage } from './helpers/page-api.js';

type Step = { rotate?: number; flop?: boolean; flip?: boolean };
/**
 * How each orientation's stored pixels are made from the upright image (the
 * inverse of what the tag does), as steps applied one pass at a time: sharp
 * would otherwise apply a flop before a rotate whatever the call order.
 */
const STORE: Record<number, Step[]> = {
  1: [],
  2: [{ flop: true }],
  3: [{ rotate: 180 }],
  4: [{ flip: true }],
  5: [{ rotate: 90 }, { flop: true }], // transpose
  6: [{ rotate: 270 }],
  7: [{ rotate: 270 }, { flop: true }], // transverse
  8: [{ rotate: 90 }],
};

async function applySteps(raw: { data: Buffer; width: number; height: number }, steps: Step[]): Promise<{ data: Buffer; width: number; height: number }> {
  let img = raw;
  for (const step of steps) {
    let s = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
    if (step.rotate) s = s.rotate(step.rotate);
    if (step.flop) s = s.flop();
    if (step.flip) s = s.flip();
    const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
    img = { data, width: info.width, height: info.height };
  }
  return img;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A PNG signature + IHDR declaring width × height (+ IEND): nothing to decode. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IEND', Buffer.alloc(0))]);
}

describe.skipIf(!hasSharedData)(`generated hostile inputs (${hasSharedData ? 'real photo' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();
  const oriented = new Map<number, Buffer>();
  let upright: { data: Buffer; width: number; height: number };

  beforeAll(async () => {
    // An asymmetric scene, small enough to keep the check fast; decoded once as the upright truth.
    const base = sharp(join(SHARED_DATA, 'photos', 'dog_bicycle_truck.jpg')).resize(320, 240, { fit: 'fill' });
    upright = await base.clone().raw().toBuffer({ resolveWithObject: true }).then(({ data, info }) => ({ data, width: info.width, height: info.height }));
    for (const [n, steps] of Object.entries(STORE)) {
      const turned = await applySteps(upright, steps);
      const stored = await sharp(turned.data, { raw: { width: turned.width, height: turned.height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
      oriented.set(Number(n), await sharp(stored).withMetadata({ orientation: Number(n) }).jpeg({ quality: 95 }).toBuffer());
    }
    await createInPage(demo().page, { model: '/models/nsfw-mobilenet-v2/manifest.json', backends: ['wasm'], cache: false });
  });

  test('the generated files are right: libvips turns each one upright again', async () => {
    for (const [n, bytes] of oriented) {
      const { data, info } = await sharp(bytes).rotate().raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height], `orientation ${n}`).toEqual([upright.width, upright.height]);
      let diff = 0;
      for (let i = 0; i < data.length; i++) diff += Math.abs(data[i]! - upright.data[i]!);
      expect(diff / data.length, `orientation ${n}: mean |Δ| per channel`).toBeLessThan(6);
    }
  });

  test('EXIF orientations 1–8 all give the upright tensor (mirrored ones included)', async () => {
    const files = Object.fromEntries([...oriented].map(([n, b]) => [n, bytesToBase64(b)]));
    const diffs = await demo().page.evaluate(async (b64s) => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const blob = (b64: string) => new Blob([window.harness.base64ToBytes(b64)], { type: 'image/jpeg' });
      const tensors: Record<string, Float32Array> = {};
      for (const [n, b64] of Object.entries(b64s)) tensors[n] = await clf.preprocess(blob(b64));
      const reference = tensors['1']!;
      const meanAbs = (t: Float32Array) => t.reduce((s, v, i) => s + Math.abs(v - reference[i]!), 0) / t.length;
      // A wrong orientation moves whole objects: its tensor differs far more than JPEG noise does.
      const wrongWay = meanAbs(tensors['3']!.slice().reverse());
      return { byOrientation: Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, meanAbs(t)])) as Record<string, number>, wrongWay };
    }, files);
    for (let n = 2; n <= 8; n++) expect(diffs.byOrientation[n], `orientation ${n}`).toBeLessThan(0.02);
    expect(diffs.wrongWay).toBeGreaterThan(0.05);
  });

  test('an SVG with a script is refused by its bytes and the script never runs', async () => {
    const out = await demo().page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="224" height="224" onload="window.__svgRan=1"><script>window.__svgRan=2</script><rect width="224" height="224" fill="red"/></svg>';
      // Named and typed as a PNG: the bytes decide.
      const file = new File([svg], 'innocent.png', { type: 'image/png' });
      const code = await clf.classify(file).then(() => 'resolved', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
      await new Promise((r) => setTimeout(r, 200));
      return { code, ran: (window as unknown as { __svgRan?: number }).__svgRan ?? null };
    });
    expect(out.code).toMatch(/^UNSUPPORTED_INPUT: .*SVG/);
    expect(out.ran).toBeNull();
  });

  test('a PNG declaring 0×0 is a typed error, and the next call still works', async () => {
    const b64 = bytesToBase64(pngHeader(0, 0));
    const out = await demo().page.evaluate(async (data) => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const zero = new Blob([window.harness.base64ToBytes(data)]);
      const code = await clf.classify(zero).then(() => 'resolved', (e: { code?: string }) => e.code ?? 'untyped');
      const next = await clf.classify(await (await fetch('/shared-data/photos/dog_samoyed.jpg')).blob());
      return { code, next: next.top.length };
    }, b64);
    expect(out.code).toBe('DECODE_FAILED');
    expect(out.next).toBeGreaterThan(0);
  });

  test('a model that outputs NaN for some inputs: INFERENCE_FAILED for those, scores for the rest', async () => {
    // sqrt of the normalised pixels, averaged per channel: 0 at warm-up (all zeros), NaN once a pixel is below the mean.
    const g = new OnnxGraphBuilder();
    const root = g.node('Sqrt', ['x'], 'root');
    const mean = g.node('ReduceMean', [root], 'mean', { axes: [2, 3], keepdims: 0 });
    const model = Buffer.from(g.build({ name: 'x', dims: [1, 3, 8, 8] }, { name: mean, dims: [1, 3] }, { graphName: 'nan_for_dark', opset: 13 }));
    const manifest: ModelManifest = {
      name: 'nan-for-dark-pixels', version: '1', format: 'onnx',
      files: { model: 'model.onnx' }, sha256: { 'model.onnx': sha256(model) },
      input: { size: [8, 8], layout: 'NCHW', resize: { mode: 'stretch' }, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [1, 1, 1], channels: 'RGB' },
      output: { activation: 'none' },
      labels: ['r', 'g', 'b'],
    };
    const page = demo().page;
    await page.route('**/generated-models/nan/model.onnx', (route) => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: model }));
    await createInPage(page, { model: manifest, backends: ['wasm'], baseUrl: '/generated-models/nan/', cache: false });
    const out = await page.evaluate(async () => {
      const clf = (window as unknown as { testClassifier: import('../src/index.js').Classifier }).testClassifier;
      const solid = (v: number) => new ImageData(new Uint8ClampedArray(16 * 16 * 4).map((_, i) => (i % 4 === 3 ? 255 : v)), 16, 16);
      const run = (v: number) => clf.classify(solid(v)).then((r) => `scores ${Array.from(r.scores, (x) => x.toFixed(3)).join(',')}`, (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
      return { dark: await run(0), light: await run(255), darkAgain: await run(10) };
    });
    expect(out.dark).toMatch(/^INFERENCE_FAILED: The model's output has NaN at index 0/);
    expect(out.light).toBe('scores 0.707,0.707,0.707');
    expect(out.darkAgain).toMatch(/^INFERENCE_FAILED/);
  });
});
