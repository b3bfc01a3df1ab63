import { describe, expect, it } from 'vitest';
import { flattenAlpha, preprocessRgba } from '../src/preprocess/pipeline.js';
import { validateManifest } from '../src/manifest/schema.js';
import type { InputSpec } from '../src/types.js';

const spec = (input: Record<string, unknown>): InputSpec =>
  validateManifest({
    name: 't', version: '1', format: 'onnx', files: { model: 'm.onnx' }, sha256: { 'm.onnx': '0'.repeat(64) },
    input: { size: [2, 4], layout: 'NCHW', resize: { mode: 'fit-height' }, ...input }, output: { activation: 'softmax' }, labels: ['a'],
  }).input;

/** w x h opaque RGBA of one colour. */
const solid = (w: number, h: number, rgb: [number, number, number], a = 255) => {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < d.length; i += 4) d.set([...rgb, a], i);
  return d;
};

describe('preprocessRgba: the whole preprocessing in pure JS', () => {
  it('fit-height pads on the right with the pad value in tensor units (PaddleOCR: 0 after normalising)', () => {
    // 2x2 source into 2x4: resized to 2x2 at the left, columns 2..3 padded.
    const s = spec({ scale: 1 / 255, mean: 0.5, std: 0.5, resize: { mode: 'fit-height', padValue: 0 } });
    const t = preprocessRgba(solid(2, 2, [255, 255, 255]), 2, 2, s, [255, 255, 255]);
    expect(t).toHaveLength(3 * 2 * 4);
    for (let c = 0; c < 3; c++) expect(Array.from(t.subarray(c * 8, c * 8 + 8))).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });
  it('without a pad value the padding is the background, normalised like a pixel', () => {
    const s = spec({ scale: 1 / 255, mean: 0.5, std: 0.5 });
    const t = preprocessRgba(solid(2, 2, [255, 255, 255]), 2, 2, s, [0, 0, 0]);
    expect(Array.from(t.subarray(0, 8))).toEqual([1, 1, -1, -1, 1, 1, -1, -1]);
  });
  it('alpha: composite blends with the background; drop keeps the stored colour (PIL convert("RGB"))', () => {
    const half = solid(1, 1, [200, 0, 0], 128);
    expect(Array.from(flattenAlpha(half, { alpha: 'composite' }, [255, 255, 255]))).toEqual([227, 127, 127, 255]);
    expect(Array.from(flattenAlpha(half, { alpha: 'drop' }, [255, 255, 255]))).toEqual([200, 0, 0, 128]);
  });
  it('scalar mean/std in the manifest become one value per channel; a wrong count is MANIFEST_INVALID naming the field', () => {
    expect(spec({ mean: 0.5, std: 0.25 })).toMatchObject({ mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(spec({ channels: 'L', mean: 0.5 }).mean).toEqual([0.5]);
    expect(() => spec({ channels: 'L', mean: [0.5, 0.5, 0.5] })).toThrow(/field "input.mean" has 3 values but channels "L" has 1/);
  });
  it('rejects a buffer of the wrong size', () => {
    expect(() => preprocessRgba(new Uint8ClampedArray(12), 2, 2, spec({}), [0, 0, 0])).toThrow(RangeError);
  });
});
