import { describe, expect, it } from 'vitest';
import { pixelsToTensor, tensorShape, type TensorSpec } from '../src/preprocess/tensor.js';

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

const identity = (layout: TensorSpec['layout'], channels: TensorSpec['channels'] = 'RGB'): TensorSpec => ({
  layout,
  channels,
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
});

const imagenet = (layout: TensorSpec['layout'], channels: TensorSpec['channels'] = 'RGB'): TensorSpec => ({
  layout,
  channels,
  scale: 1 / 255,
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
});

/** 2x2 image, row-major: pixel i = (10i+1, 10i+2, 10i+3, alpha). */
function grid2x2(alpha = 255): Uint8ClampedArray {
  const data = new Uint8ClampedArray(16);
  for (let i = 0; i < 4; i++) data.set([10 * i + 1, 10 * i + 2, 10 * i + 3, alpha], i * 4);
  return data;
}

/** 2x1 image: (200, 100, 50) then (10, 20, 30). */
const twoByOne = new Uint8Array([200, 100, 50, 255, 10, 20, 30, 0]);

function expectClose(actual: Float32Array, expected: number[], digits = 5): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => expect(actual[i], `index ${i}`).toBeCloseTo(e, digits));
}

describe('pixelsToTensor: layout and channel order (identity normalisation)', () => {
  it('NCHW RGB puts each channel in its own plane', () => {
    const t = pixelsToTensor(grid2x2(), 2, 2, identity('NCHW'));
    expect(Array.from(t)).toEqual([1, 11, 21, 31, 2, 12, 22, 32, 3, 13, 23, 33]);
  });

  it('NHWC RGB interleaves channels per pixel', () => {
    const t = pixelsToTensor(grid2x2(), 2, 2, identity('NHWC'));
    expect(Array.from(t)).toEqual([1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]);
  });

  it('NCHW BGR puts blue in the first plane', () => {
    const t = pixelsToTensor(grid2x2(), 2, 2, identity('NCHW', 'BGR'));
    expect(Array.from(t)).toEqual([3, 13, 23, 33, 2, 12, 22, 32, 1, 11, 21, 31]);
  });

  it('NHWC BGR reverses the channels of each pixel', () => {
    const t = pixelsToTensor(grid2x2(), 2, 2, identity('NHWC', 'BGR'));
    expect(Array.from(t)).toEqual([3, 2, 1, 13, 12, 11, 23, 22, 21, 33, 32, 31]);
  });

  it('accepts a plain Uint8Array as well as Uint8ClampedArray', () => {
    const clamped = pixelsToTensor(grid2x2(), 2, 2, identity('NHWC'));
    const plain = pixelsToTensor(new Uint8Array(grid2x2()), 2, 2, identity('NHWC'));
    expect(Array.from(plain)).toEqual(Array.from(clamped));
  });
});

describe('pixelsToTensor: scale 1/255 with ImageNet mean/std', () => {
  const r = (p: number) => (p / 255 - 0.485) / 0.229;
  const g = (p: number) => (p / 255 - 0.456) / 0.224;
  const b = (p: number) => (p / 255 - 0.406) / 0.225;

  it('NCHW RGB matches (p/255 - mean)/std per channel', () => {
    const t = pixelsToTensor(twoByOne, 2, 1, imagenet('NCHW'));
    // Spot-check a hand-computed value: (200/255 - 0.485) / 0.229 = 0.2993137 / 0.229 = 1.307047
    expect(t[0]).toBeCloseTo(1.307047, 5);
    expectClose(t, [r(200), r(10), g(100), g(20), b(50), b(30)]);
  });

  it('NHWC RGB matches (p/255 - mean)/std per channel', () => {
    const t = pixelsToTensor(twoByOne, 2, 1, imagenet('NHWC'));
    expectClose(t, [r(200), g(100), b(50), r(10), g(20), b(30)]);
  });

  it('BGR applies mean[0]/std[0] to the blue byte (mean/std are in channel order)', () => {
    const c0 = (p: number) => (p / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0];
    const c1 = (p: number) => (p / 255 - IMAGENET_MEAN[1]) / IMAGENET_STD[1];
    const c2 = (p: number) => (p / 255 - IMAGENET_MEAN[2]) / IMAGENET_STD[2];
    const nchw = pixelsToTensor(twoByOne, 2, 1, imagenet('NCHW', 'BGR'));
    expectClose(nchw, [c0(50), c0(30), c1(100), c1(20), c2(200), c2(10)]);
    const nhwc = pixelsToTensor(twoByOne, 2, 1, imagenet('NHWC', 'BGR'));
    expectClose(nhwc, [c0(50), c1(100), c2(200), c0(30), c1(20), c2(10)]);
  });

  it('extremes 0 and 255 map to -mean/std and (1-mean)/std', () => {
    const t = pixelsToTensor(new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255]), 2, 1, imagenet('NHWC'));
    expectClose(t, [
      -0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225,
      (1 - 0.485) / 0.229, (1 - 0.456) / 0.224, (1 - 0.406) / 0.225,
    ]);
  });

  it('ignores alpha', () => {
    const opaque = pixelsToTensor(grid2x2(255), 2, 2, imagenet('NCHW'));
    const transparent = pixelsToTensor(grid2x2(0), 2, 2, imagenet('NCHW'));
    const half = pixelsToTensor(grid2x2(128), 2, 2, imagenet('NCHW'));
    expect(Array.from(transparent)).toEqual(Array.from(opaque));
    expect(Array.from(half)).toEqual(Array.from(opaque));
  });
});

describe('pixelsToTensor: output buffer', () => {
  it('fills and returns the given buffer, overwriting old contents', () => {
    const out = new Float32Array(12).fill(Number.NaN);
    const t = pixelsToTensor(grid2x2(), 2, 2, identity('NCHW'), out);
    expect(t).toBe(out);
    expect(Array.from(out)).toEqual([1, 11, 21, 31, 2, 12, 22, 32, 3, 13, 23, 33]);
    // Reused for a second image: every value is replaced.
    pixelsToTensor(new Uint8ClampedArray(16).fill(7), 2, 2, identity('NCHW'), out);
    expect(Array.from(out)).toEqual(new Array(12).fill(7));
  });

  it('allocates a new width*height*3 buffer when none is given', () => {
    const a = pixelsToTensor(grid2x2(), 2, 2, identity('NHWC'));
    const b = pixelsToTensor(grid2x2(), 2, 2, identity('NHWC'));
    expect(a).toBeInstanceOf(Float32Array);
    expect(a).toHaveLength(12);
    expect(a).not.toBe(b);
  });
});

describe('pixelsToTensor: wrong lengths', () => {
  it('throws RangeError when the RGBA data does not match width*height*4', () => {
    expect(() => pixelsToTensor(new Uint8Array(15), 2, 2, identity('NCHW'))).toThrow(RangeError);
    expect(() => pixelsToTensor(new Uint8Array(20), 2, 2, identity('NCHW'))).toThrow(/expected 16 RGBA bytes for 2x2, got 20/);
    // Right byte count for 4 pixels but given as 3x1.
    expect(() => pixelsToTensor(grid2x2(), 3, 1, identity('NCHW'))).toThrow(RangeError);
  });

  it('throws RangeError when the output buffer has the wrong size', () => {
    expect(() => pixelsToTensor(grid2x2(), 2, 2, identity('NCHW'), new Float32Array(11))).toThrow(RangeError);
    expect(() => pixelsToTensor(grid2x2(), 2, 2, identity('NCHW'), new Float32Array(16))).toThrow(/must hold 12 floats, has 16/);
  });
});

describe('tensorShape', () => {
  it('returns [1, 3, h, w] for NCHW and [1, h, w, 3] for NHWC from a [height, width] size', () => {
    expect(tensorShape([224, 224], 'NCHW')).toEqual([1, 3, 224, 224]);
    expect(tensorShape([240, 320], 'NCHW')).toEqual([1, 3, 240, 320]);
    expect(tensorShape([240, 320], 'NHWC')).toEqual([1, 240, 320, 3]);
  });
});

describe('pixelsToTensor: grayscale, four channels and padding', () => {
  it('L: one value per pixel, 0.2989 R + 0.587 G + 0.114 B in floating point, then normalised', () => {
    const spec: TensorSpec = { layout: 'NHWC', channels: 'L', scale: 1 / 255, mean: [0.5], std: [0.5] };
    const t = pixelsToTensor(twoByOne, 2, 1, spec);
    const gray = (r: number, g: number, b: number) => ((0.2989 * r + 0.587 * g + 0.114 * b) / 255 - 0.5) / 0.5;
    expectClose(t, [gray(200, 100, 50), gray(10, 20, 30)]);
    // NCHW with one channel is the same single plane.
    expect(Array.from(pixelsToTensor(twoByOne, 2, 1, { ...spec, layout: 'NCHW' }))).toEqual(Array.from(t));
    expect(tensorShape([64, 64], 'NHWC', 'L')).toEqual([1, 64, 64, 1]);
  });
  it('RGBA keeps the alpha channel as a fourth value', () => {
    const t = pixelsToTensor(twoByOne, 2, 1, { layout: 'NHWC', channels: 'RGBA', scale: 1, mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });
    expect(Array.from(t)).toEqual([200, 100, 50, 255, 10, 20, 30, 0]);
    expect(tensorShape([2, 3], 'NCHW', 'RGBA')).toEqual([1, 4, 2, 3]);
  });
  it('padding outside the covered rectangle gets the pad value in every channel, in both layouts', () => {
    const spec = imagenet('NCHW');
    const padding = { rect: { x0: 0, y0: 0, x1: 1, y1: 2 }, value: 0 };
    const nchw = pixelsToTensor(grid2x2(), 2, 2, spec, undefined, padding);
    const plain = pixelsToTensor(grid2x2(), 2, 2, spec);
    // Column 1 (pixels 1 and 3) is padding: 0 in each of the 3 planes; column 0 is untouched.
    for (let c = 0; c < 3; c++) {
      expect([nchw[c * 4 + 1], nchw[c * 4 + 3]]).toEqual([0, 0]);
      expect([nchw[c * 4], nchw[c * 4 + 2]]).toEqual([plain[c * 4], plain[c * 4 + 2]]);
    }
    const nhwc = pixelsToTensor(grid2x2(), 2, 2, imagenet('NHWC'), undefined, padding);
    expect(Array.from(nhwc.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(nhwc.subarray(0, 3))).not.toEqual([0, 0, 0]);
  });
});
