/**
 * The region of interest's checks and rounding (src/input/region.ts): what
 * can be refused before decoding, the crop in whole pixels, the cache key.
 * The behaviour on real photos in a browser is e2e/region.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { isClassifierError } from '../src/errors.js';
import { checkRegion, cropRect, regionKey } from '../src/input/region.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return 'NO_ERROR';
  } catch (e) {
    return isClassifierError(e) ? e.code : `not a ClassifierError: ${String(e)}`;
  }
}

describe('checkRegion', () => {
  test('no region is undefined; a region gets its unit filled in', () => {
    expect(checkRegion(undefined)).toBeUndefined();
    expect(checkRegion({ x: 0.25, y: 0, width: 0.5, height: 1 })).toEqual({ x: 0.25, y: 0, width: 0.5, height: 1, unit: 'normalized' });
    expect(checkRegion({ x: 5, y: 6, width: 7, height: 8, unit: 'pixels' })?.unit).toBe('pixels');
  });

  test.each([
    ['null', null],
    ['a string', 'top-left'],
    ['a missing field', { x: 0, y: 0, width: 0.5 }],
    ['NaN', { x: Number.NaN, y: 0, width: 0.5, height: 0.5 }],
    ['Infinity', { x: 0, y: 0, width: Number.POSITIVE_INFINITY, height: 0.5 }],
    ['a numeric string', { x: '0', y: 0, width: 0.5, height: 0.5 }],
    ['zero width', { x: 0, y: 0, width: 0, height: 0.5 }],
    ['negative height', { x: 0, y: 0, width: 0.5, height: -0.1 }],
    ['negative x', { x: -0.1, y: 0, width: 0.5, height: 0.5 }],
    ['normalised past the right edge', { x: 0.6, y: 0, width: 0.5, height: 0.5 }],
    ['normalised past the bottom', { x: 0, y: 0.9, width: 0.5, height: 0.2 }],
    ['an unknown unit', { x: 0, y: 0, width: 0.5, height: 0.5, unit: 'percent' }],
  ])('%s is INVALID_REGION', (_, region) => {
    expect(codeOf(() => checkRegion(region))).toBe('INVALID_REGION');
  });

  test('floating-point sums that land a hair past 1 are inside', () => {
    expect(checkRegion({ x: 0.5, y: 0.1, width: 0.5 + 1e-12, height: 0.9 })).toBeDefined();
    expect(cropRect(checkRegion({ x: 0.5, y: 0.1, width: 0.5 + 1e-12, height: 0.9 })!, 640, 480)).toEqual({ sx: 320, sy: 48, sw: 320, sh: 432 });
  });

  test('the message says what is wrong and what a region is', () => {
    expect(() => checkRegion({ x: 0.8, y: 0, width: 0.5, height: 0.5 })).toThrow(/ends outside the image \(x \+ width = 1\.3.*A region is \{ x, y, width, height \} in \[0, 1\]/);
  });
});

describe('cropRect', () => {
  test('a normalised box and the same box in pixels crop the same pixels', () => {
    const px = cropRect(checkRegion({ x: 460, y: 70, width: 240, height: 110, unit: 'pixels' })!, 768, 576);
    const norm = cropRect(checkRegion({ x: 460 / 768, y: 70 / 576, width: 240 / 768, height: 110 / 576 })!, 768, 576);
    expect(px).toEqual({ sx: 460, sy: 70, sw: 240, sh: 110 });
    expect(norm).toEqual(px);
  });

  test('edges round to the nearest pixel', () => {
    expect(cropRect(checkRegion({ x: 0.333, y: 0, width: 0.333, height: 1 })!, 100, 10)).toEqual({ sx: 33, sy: 0, sw: 34, sh: 10 });
    expect(cropRect(checkRegion({ x: 0, y: 0, width: 1, height: 1 })!, 7, 3)).toEqual({ sx: 0, sy: 0, sw: 7, sh: 3 });
  });

  test('pixels past the image, or less than one pixel, are INVALID_REGION with the image size', () => {
    expect(codeOf(() => cropRect(checkRegion({ x: 700, y: 0, width: 200, height: 10, unit: 'pixels' })!, 768, 576))).toBe('INVALID_REGION');
    expect(() => cropRect(checkRegion({ x: 700, y: 0, width: 200, height: 10, unit: 'pixels' })!, 768, 576)).toThrow(/\(700, 0\)-\(900, 10\) ends outside the 768x576 image/);
    expect(codeOf(() => cropRect(checkRegion({ x: 0.5, y: 0.5, width: 0.001, height: 0.5 })!, 100, 100))).toBe('INVALID_REGION');
    try {
      cropRect(checkRegion({ x: 0.5, y: 0.5, width: 0.001, height: 0.5 })!, 100, 100);
    } catch (e) {
      expect(isClassifierError(e) && e.details).toMatchObject({ width: 100, height: 100 });
    }
  });
});

describe('regionKey', () => {
  test('none adds nothing; different boxes and units give different keys', () => {
    expect(regionKey(undefined)).toBe('');
    const a = regionKey(checkRegion({ x: 0, y: 0, width: 0.5, height: 0.5 }));
    const b = regionKey(checkRegion({ x: 0, y: 0, width: 0.5, height: 0.6 }));
    const c = regionKey(checkRegion({ x: 0, y: 0, width: 0.5, height: 0.5, unit: 'pixels' }));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe(regionKey(checkRegion({ x: 0, y: 0, width: 0.5, height: 0.5, unit: 'normalized' })));
  });
});
