/**
 * The resampler's WebAssembly SIMD passes (src/preprocess/resample.wat) against
 * its JS passes, which test/resample.test.ts and e2e/pillow-parity.test.ts hold
 * to Pillow's bytes: byte for byte on every filter and resize mode, odd sizes
 * (a visible width not a multiple of 4, 1-pixel images, upscaling, extreme
 * aspect ratios), a crop that reads only some source rows, and an image larger
 * than the shared instance's memory. Also: the committed module is what
 * tools/build-wasm.ts assembles from the committed text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, bytesModule, BYTES_FILE, WAT_FILE } from '../tools/build-wasm.js';
import { SHARED_MEMORY_LIMIT, wasmResamplerAvailable } from '../src/preprocess/resample-wasm.js';
import { planResample, resampleAntialiased } from '../src/preprocess/resample.js';
import type { ResampleFilter, ResizeMode } from '../src/types.js';

/** A deterministic opaque RGBA image with edges and gradients (so every tap weight matters). */
function image(w: number, h: number, seed: number): Uint8ClampedArray {
  const px = new Uint8ClampedArray(w * h * 4);
  let s = seed >>> 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const i = (y * w + x) * 4;
      px[i] = (x * 7 + (s & 63)) & 255;
      px[i + 1] = ((x ^ y) * 3) & 255;
      px[i + 2] = (y * 5 + (s >>> 26) * ((x >> 3) & 1 ? 40 : 0)) & 255;
      px[i + 3] = 255;
    }
  }
  return px;
}

const FILTERS: ResampleFilter[] = ['bilinear', 'bicubic', 'lanczos', 'box', 'hamming'];
const MODES: ResizeMode[] = ['stretch', 'crop', 'letterbox', 'fit-height'];
const BG = [12, 200, 77] as const;

describe('resampler in WebAssembly SIMD', () => {
  it('the committed module is the committed .wat assembled (npm run build:wasm)', async () => {
    const bytes = await assemble(readFileSync(WAT_FILE, 'utf8'));
    expect(readFileSync(BYTES_FILE, 'utf8')).toBe(bytesModule(bytes));
  });

  it('runs here (Node has WebAssembly SIMD)', () => {
    expect(wasmResamplerAvailable()).toBe(true);
  });

  const cases: [number, number, [number, number]][] = [
    [640, 480, [224, 224]], [480, 640, [224, 224]], [1000, 37, [224, 224]], [37, 1000, [224, 224]],
    [223, 225, [224, 224]], [1, 1, [224, 224]], [3, 2, [7, 5]], [97, 61, [48, 192]], [50, 50, [299, 299]], [301, 199, [13, 11]],
  ];
  for (const filter of FILTERS) {
    for (const mode of MODES) {
      it(`${filter}, ${mode}: the same bytes as the JS passes on ${cases.length} sizes`, () => {
        for (const [k, [w, h, size]] of cases.entries()) {
          const src = image(w, h, k + 1);
          const t = planResample(w, h, size, mode);
          const js = resampleAntialiased(src, w, h, t, BG, filter, 'js');
          const wasm = resampleAntialiased(src, w, h, t, BG, filter, 'auto');
          expect(wasm.length).toBe(js.length);
          const diff = js.findIndex((v, i) => v !== wasm[i]);
          expect(diff, `${w}x${h} → ${size.join('x')}: first differing byte ${diff}`).toBe(-1);
        }
      });
    }
  }

  it('an image past the shared memory limit (its own instance) gives the same bytes, and the next small one still does', () => {
    const w = 2600;
    const h = Math.ceil(SHARED_MEMORY_LIMIT / (w * 4)) + 10;
    for (const [width, height] of [[w, h], [320, 240]] as const) {
      const src = image(width, height, 9);
      const t = planResample(width, height, [224, 224], 'stretch');
      expect(resampleAntialiased(src, width, height, t, BG, 'bilinear', 'auto')).toEqual(resampleAntialiased(src, width, height, t, BG, 'bilinear', 'js'));
    }
  });

  it('a source with an alpha below 255 still comes out with alpha 255 (the output is opaque)', () => {
    const src = image(64, 48, 3);
    for (let i = 3; i < src.length; i += 4) src[i] = 0;
    const t = planResample(64, 48, [16, 16], 'stretch');
    const out = resampleAntialiased(src, 64, 48, t, BG, 'bilinear', 'auto');
    const js = resampleAntialiased(src, 64, 48, t, BG, 'bilinear', 'js');
    expect(out).toEqual(js);
    expect(out.filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
  });
});
