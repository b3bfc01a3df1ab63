import { describe, expect, it } from 'vitest';
import { planResample, roundHalfEven, resampleAntialiased, type ResampleTarget } from '../src/preprocess/resample.js';
import type { ResampleFilter, ResizeMode } from '../src/types.js';
import { hasPillow, NO_PILLOW, pillowResize } from '../tools/pillow.js';
import { mulberry32 } from './helpers/random.js';

/** planResample can return -0 offsets (-Math.round(0)); toEqual distinguishes -0 from 0, so normalise. */
const plain = (t: ResampleTarget): ResampleTarget => ({ ...t, offsetX: t.offsetX + 0, offsetY: t.offsetY + 0 });

/** RGBA image, alpha 255, from a per-pixel RGB function. */
function image(w: number, h: number, rgb: (x: number, y: number) => readonly [number, number, number]): Uint8ClampedArray {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      data.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return data;
}

const gray = (v: number): [number, number, number] => [v, v, v];
const px = (data: Uint8ClampedArray, w: number, x: number, y: number) => Array.from(data.subarray((y * w + x) * 4, (y * w + x) * 4 + 4));


/**
 * Brute-force reference: the full resized image (every pixel, not just the visible window), the
 * triangle filter evaluated over every source index (zero outside the support) and normalised, in
 * Pillow's fixed-point arithmetic (weights rounded to 22 fractional bits, sums started at one half,
 * shifted back and clipped), with the 8-bit intermediate image between the horizontal and the
 * vertical pass; then pasted onto a background canvas at the offset.
 */
function reference(src: Uint8ClampedArray, w: number, h: number, t: ResampleTarget, bg: readonly [number, number, number]): Uint8ClampedArray {
  const ONE = 2 ** 22;
  const weights = (inSize: number, outSize: number): number[][] => {
    const scale = inSize / outSize;
    const fs = Math.max(scale, 1);
    const rows: number[][] = [];
    for (let o = 0; o < outSize; o++) {
      const center = (o + 0.5) * scale;
      const ws: number[] = [];
      for (let i = 0; i < inSize; i++) ws.push(Math.max(0, 1 - Math.abs((i + 0.5 - center) / fs)));
      const sum = ws.reduce((a, b) => a + b, 0);
      rows.push(ws.map((v) => Math.trunc(0.5 + (v / sum) * ONE)));
    }
    return rows;
  };
  const clip8 = (v: number) => Math.min(255, Math.max(0, Math.floor(v / ONE)));
  const hw = weights(w, t.resizedW);
  const vw = weights(h, t.resizedH);
  const mid: number[] = new Array(h * t.resizedW * 3).fill(0);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < t.resizedW; x++) {
      for (let c = 0; c < 3; c++) {
        let acc = ONE / 2;
        for (let i = 0; i < w; i++) acc += src[(y * w + i) * 4 + c]! * hw[x]![i]!;
        mid[(y * t.resizedW + x) * 3 + c] = clip8(acc);
      }
    }
  }
  const out = image(t.outW, t.outH, () => bg);
  for (let y = 0; y < t.resizedH; y++) {
    for (let x = 0; x < t.resizedW; x++) {
      const ox = x + t.offsetX;
      const oy = y + t.offsetY;
      if (ox < 0 || oy < 0 || ox >= t.outW || oy >= t.outH) continue;
      for (let c = 0; c < 3; c++) {
        let acc = ONE / 2;
        for (let i = 0; i < h; i++) acc += mid[(i * t.resizedW + x) * 3 + c]! * vw[y]![i]!;
        out[(oy * t.outW + ox) * 4 + c] = clip8(acc);
      }
    }
  }
  return out;
}

const rgbOf = (rgba: Uint8ClampedArray) => Uint8Array.from({ length: (rgba.length / 4) * 3 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]!);

describe('planResample', () => {
  it('crop: Resize(256) then CenterCrop(224) on a 640x480 landscape', () => {
    // 256*640/480 = 341.33 → 341; offsets -round((341-224)/2) = -round(58.5) = -58 (Python/torchvision round half to even),
    // -round((256-224)/2) = -16.
    expect(plain(planResample(640, 480, [224, 224], 'crop', 256))).toEqual({ outW: 224, outH: 224, resizedW: 341, resizedH: 256, offsetX: -58, offsetY: -16 });
  });

  it('crop: portrait 480x640 swaps the axes', () => {
    expect(plain(planResample(480, 640, [224, 224], 'crop', 256))).toEqual({ outW: 224, outH: 224, resizedW: 256, resizedH: 341, offsetX: -16, offsetY: -58 });
  });

  it('crop: the default side is the shorter output side; size is [H, W]', () => {
    // side = min(300, 200) = 200 → 640x480 becomes floor(200*640/480) = 266 x 200; 266 < 300 so the image is
    // centred with offsetX = -round((266-300)/2) = 17, offsetY = -round(0) = 0.
    expect(plain(planResample(640, 480, [200, 300], 'crop'))).toEqual({ outW: 300, outH: 200, resizedW: 266, resizedH: 200, offsetX: 17, offsetY: 0 });
  });

  it('stretch fills the output exactly', () => {
    expect(plain(planResample(640, 480, [100, 50], 'stretch'))).toEqual({ outW: 50, outH: 100, resizedW: 50, resizedH: 100, offsetX: 0, offsetY: 0 });
  });

  it('letterbox fits the long side and centres the short one', () => {
    // s = min(224/400, 224/200) = 0.56 → 224 x 112, offsetY = floor((224-112)/2) = 56.
    expect(plain(planResample(400, 200, [224, 224], 'letterbox'))).toEqual({ outW: 224, outH: 224, resizedW: 224, resizedH: 112, offsetX: 0, offsetY: 56 });
  });

  it('throws RangeError for an image without pixels', () => {
    expect(() => planResample(0, 10, [224, 224], 'crop')).toThrow(RangeError);
    expect(() => planResample(10, 0, [224, 224], 'stretch')).toThrow(RangeError);
    expect(() => planResample(Number.NaN, 10, [224, 224], 'letterbox')).toThrow(RangeError);
  });

  it.each([
    [4000, 40],
    [3, 3000],
  ])('extreme aspect %ix%i gives finite positive sizes in every mode', (w, h) => {
    for (const mode of ['crop', 'stretch', 'letterbox'] as ResizeMode[]) {
      const t = planResample(w, h, [224, 224], mode);
      for (const v of [t.resizedW, t.resizedH]) {
        expect(Number.isFinite(v) && Number.isInteger(v), `${mode} ${v}`).toBe(true);
        expect(v, mode).toBeGreaterThanOrEqual(1);
      }
      expect(Number.isFinite(t.offsetX) && Number.isFinite(t.offsetY)).toBe(true);
    }
    // 3x3000 letterbox: 3*224/3000 = 0.224 rounds to 0, clamped to 1 column.
    if (w === 3) expect(planResample(w, h, [224, 224], 'letterbox').resizedW).toBe(1);
    if (w === 4000) expect(planResample(w, h, [224, 224], 'crop')).toMatchObject({ resizedW: 22400, resizedH: 224 });
  });
});

describe('resampleAntialiased', () => {
  const bg = [1, 2, 3] as const;

  it('same size in and out is the identity (alpha forced to 255)', () => {
    const rnd = mulberry32(7);
    const src = new Uint8ClampedArray(4 * 3 * 4).map((_, i) => (i % 4 === 3 ? 17 : Math.floor(rnd() * 256)));
    const out = resampleAntialiased(src, 4, 3, planResample(4, 3, [3, 4], 'stretch'), bg);
    expect(Array.from(out)).toEqual(Array.from(src).map((v, i) => (i % 4 === 3 ? 255 : v)));
  });

  it.each(['crop', 'stretch', 'letterbox'] as ResizeMode[])('a uniform colour stays exactly that colour (%s)', (mode) => {
    const src = image(37, 23, () => [10, 200, 77]);
    const t = planResample(37, 23, [8, 8], mode);
    const out = resampleAntialiased(src, 37, 23, t, bg);
    // letterbox: s = 8/37 → 8 x round(23*8/37 = 4.97) = 5, offsetY = floor(3/2) = 1: rows 1..5 covered.
    const covered = (y: number) => mode !== 'letterbox' || (y >= 1 && y <= 5);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) expect(px(out, 8, x, y), `${x},${y}`).toEqual(covered(y) ? [10, 200, 77, 255] : [...bg, 255]);
    }
  });

  it('2x downscale of [0, 100, 200, 250] matches the hand-computed triangle filter', () => {
    // scale 2, support 2. j=0: center 1, taps i=0..2 (i=-1 clamped away): t = 0.25, 0.25, 0.75 → w 0.75, 0.75, 0.25
    //   (sum 1.75) → (0*0.75 + 100*0.75 + 200*0.25) / 1.75 = 125/1.75 = 71.43 → 71.
    // j=1: center 3, taps i=1..3 (i=4 clamped away): t = 0.75, 0.25, 0.25 → w 0.25, 0.75, 0.75
    //   → (100*0.25 + 200*0.75 + 250*0.75) / 1.75 = 362.5/1.75 = 207.14 → 207.
    const src = image(4, 1, (x) => gray([0, 100, 200, 250][x]!));
    const out = resampleAntialiased(src, 4, 1, planResample(4, 1, [1, 2], 'stretch'), bg);
    expect(Array.from(out)).toEqual([71, 71, 71, 255, 207, 207, 207, 255]);
  });

  it('2x upscale of [10, 101] is bilinear with edge clamping', () => {
    // scale 0.5, filterScale 1, support 1; center = (j+0.5)*0.5; taps i in [floor(center-0.5), floor(center+1.5)) ∩ [0, 2).
    // j=0: center 0.25, only i=0 (w 0.75, normalised to 1) → 10.
    // j=1: center 0.75, i=0: t=|0-0.75+0.5|=0.25 → 0.75; i=1: t=0.75 → 0.25 → 7.5 + 25.25 = 32.75 → 33.
    // j=2: center 1.25, i=0: t=0.75 → 0.25; i=1: t=0.25 → 0.75 → 2.5 + 75.75 = 78.25 → 78.
    // j=3: center 1.75, only i=1 (i=2 is outside the image) → 101.
    const src = image(2, 1, (x) => gray([10, 101][x]!));
    const out = resampleAntialiased(src, 2, 1, planResample(2, 1, [1, 4], 'stretch'), bg);
    expect([0, 1, 2, 3].map((x) => px(out, 4, x, 0))).toEqual([10, 33, 78, 101].map((v) => [v, v, v, 255]));
  });

  it('a horizontal gradient stays monotonic and keeps its mean within 1', () => {
    const src = image(100, 10, (x) => gray(Math.round((x * 255) / 99)));
    const out = resampleAntialiased(src, 100, 10, planResample(100, 10, [5, 23], 'stretch'), bg);
    let sumIn = 0;
    for (let i = 0; i < src.length; i += 4) sumIn += src[i]!;
    let sumOut = 0;
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 23; x++) {
        const [r, g, b] = px(out, 23, x, y);
        expect(g).toBe(r);
        expect(b).toBe(r);
        if (x > 0) expect(r!, `${x},${y}`).toBeGreaterThan(px(out, 23, x - 1, y)[0]!);
        sumOut += r!;
      }
    }
    expect(Math.abs(sumOut / (23 * 5) - sumIn / 1000)).toBeLessThanOrEqual(1);
  });

  it('crop computes only the visible window, at the right place', () => {
    // 300x200, x < 150 black, else white. Resize(224) → 336x224, offsetX = -round(112/2) = -56.
    // Resized column x has center (x+0.5)*300/336 (upscale, filter width 1); the edge is between source 149/150:
    //   x=166: center 148.66, taps 148,149 → 0;        x=167: center 149.55, w(150) = 1-|150.5-149.55| = 0.0536 → 13.66 → 14;
    //   x=168: center 150.45, w(150) = 0.9464 → 241.34 → 241;   x=169: center 151.34, taps 150,151 → 255.
    // Output column = x - 56, so columns ..110 black, 111 = 14, 112 = 241, 113.. white.
    const src = image(300, 200, (x) => gray(x < 150 ? 0 : 255));
    const t = planResample(300, 200, [224, 224], 'crop', 224);
    expect(plain(t)).toEqual({ outW: 224, outH: 224, resizedW: 336, resizedH: 224, offsetX: -56, offsetY: 0 });
    const out = resampleAntialiased(src, 300, 200, t, bg);
    for (let y = 0; y < 224; y += 37) {
      for (let x = 0; x < 224; x++) {
        const v = x <= 110 ? 0 : x === 111 ? 14 : x === 112 ? 241 : 255;
        expect(px(out, 224, x, y), `${x},${y}`).toEqual([v, v, v, 255]);
      }
    }
  });

  it.each([
    ['crop', [24, 20], undefined],
    ['crop', [48, 48], 64],
    ['crop', [40, 30], 33],
    ['stretch', [30, 70], undefined],
    ['letterbox', [40, 40], undefined],
    ['letterbox', [20, 64], undefined],
  ] as [ResizeMode, [number, number], number | undefined][])('matches a brute-force reference on a random 57x41 image (%s %j side %s)', (mode, size, side) => {
    const rnd = mulberry32(12345);
    const src = image(57, 41, () => [Math.floor(rnd() * 256), Math.floor(rnd() * 256), Math.floor(rnd() * 256)]);
    const t = planResample(57, 41, size, mode, side);
    const out = resampleAntialiased(src, 57, 41, t, bg);
    expect(Array.from(out)).toEqual(Array.from(reference(src, 57, 41, t, bg)));
  });
});

describe.skipIf(!hasPillow)(`resampleAntialiased gives Pillow's bytes exactly (${hasPillow ? 'Debian python3-pil' : NO_PILLOW})`, () => {
  const bg = [255, 255, 255] as const;
  it.each([
    // [source w, h, model size, mode, shorter side]: downscales of photo-like ratios, an upscale, odd factors.
    [640, 480, [224, 224], 'crop', 256],
    [480, 640, [224, 224], 'crop', 256],
    [1000, 750, [224, 224], 'stretch', undefined],
    [333, 517, [224, 224], 'stretch', undefined],
    [57, 41, [224, 224], 'crop', undefined],
    [300, 200, [299, 299], 'crop', 342],
    [401, 97, [48, 192], 'letterbox', undefined],
    [1200, 101, [224, 224], 'letterbox', undefined],
  ] as [number, number, [number, number], ResizeMode, number | undefined][])('%ix%i → %j %s (side %s), random pixels', (w, h, size, mode, side) => {
    const rnd = mulberry32(w * 7919 + h);
    const src = image(w, h, () => [Math.floor(rnd() * 256), Math.floor(rnd() * 256), Math.floor(rnd() * 256)]);
    const t = planResample(w, h, size, mode, side);
    const ours = rgbOf(resampleAntialiased(src, w, h, t, bg));
    const theirs = pillowResize(rgbOf(src), w, h, t, bg);
    expect(ours.length).toBe(theirs.length);
    let differing = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
    expect(differing, 'bytes that differ from Pillow').toBe(0);
  });
});

describe.skipIf(!hasPillow)(`every Pillow filter gives Pillow's bytes exactly (${hasPillow ? 'Debian python3-pil' : NO_PILLOW})`, () => {
  const bg = [0, 0, 0] as const;
  const filters: ResampleFilter[] = ['bicubic', 'lanczos', 'box', 'hamming', 'nearest', 'bilinear'];
  it.each(filters.flatMap((f) => [
    [f, 640, 480, [224, 224], 'crop'],
    [f, 97, 61, [224, 224], 'stretch'], // upscale: negative lobes of bicubic/lanczos clip at 0 and 255
    [f, 401, 97, [48, 192], 'fit-height'],
    [f, 333, 517, [100, 37], 'stretch'],
  ] as [ResampleFilter, number, number, [number, number], ResizeMode][]))('%s %ix%i → %j %s', (filter, w, h, size, mode) => {
    const rnd = mulberry32(w * 31 + h * 7 + filter.length);
    // Blocky content with hard edges: ringing filters overshoot there.
    const src = image(w, h, (x, y) => ((x >> 3) + (y >> 3)) % 3 === 0 ? [255, 255, 255] : [Math.floor(rnd() * 256), 0, Math.floor(rnd() * 40)]);
    const t = planResample(w, h, size, { mode, shorterSide: 256 });
    const ours = rgbOf(resampleAntialiased(src, w, h, t, bg, filter));
    const theirs = pillowResize(rgbOf(src), w, h, t, bg, filter);
    let differing = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
    expect(differing, 'bytes that differ from Pillow').toBe(0);
  });
});

describe('planResample: fit-height, anchors and crop offsets', () => {
  it('fit-height is PaddleOCR: height to the target, width ceil(h * aspect) capped, anchored left', () => {
    expect(plain(planResample(400, 100, [48, 192], 'fit-height'))).toEqual({ outW: 192, outH: 48, resizedW: 192, resizedH: 48, offsetX: 0, offsetY: 0 });
    expect(plain(planResample(100, 100, [48, 192], 'fit-height'))).toEqual({ outW: 192, outH: 48, resizedW: 48, resizedH: 48, offsetX: 0, offsetY: 0 });
    expect(planResample(101, 100, [48, 192], 'fit-height').resizedW).toBe(49); // 48.48 rounds up
    expect(planResample(2000, 10, [48, 192], 'fit-height').resizedW).toBe(192); // wider than 4:1 is squeezed, as Paddle does
  });
  it('letterbox anchored left keeps the vertical centring', () => {
    expect(plain(planResample(400, 200, [224, 224], { mode: 'letterbox', anchor: 'left' }))).toMatchObject({ resizedW: 224, resizedH: 112, offsetX: 0, offsetY: 56 });
    expect(plain(planResample(200, 400, [224, 224], { mode: 'letterbox', anchor: 'left' }))).toMatchObject({ resizedW: 112, offsetX: 0 });
  });
  it("crop offsets: torchvision rounds half to even, Hugging Face floors", () => {
    // 35 px margin: round(17.5) = 18 (even), 35 // 2 = 17.
    expect(planResample(259, 224, [224, 224], { mode: 'crop', shorterSide: 224 }).offsetX).toBe(-18);
    expect(planResample(259, 224, [224, 224], { mode: 'crop', shorterSide: 224, cropOffset: 'floor' }).offsetX).toBe(-17);
  });
});

describe('roundHalfEven (Python round, used by torchvision CenterCrop)', () => {
  it('rounds halves to the even neighbour and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, 58.5, -1.5, 3.2, 3.7].map(roundHalfEven)).toEqual([0, 2, 2, 58, -2, 3, 4]);
  });
});
