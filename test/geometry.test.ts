import { describe, expect, it } from 'vitest';
import { planResize, type DrawPlan } from '../src/preprocess/geometry.js';

function expectPlan(actual: DrawPlan, expected: DrawPlan): void {
  for (const key of Object.keys(expected) as (keyof DrawPlan)[]) {
    expect(actual[key], key).toBeCloseTo(expected[key], 9);
  }
}

/** Invariants every plan must satisfy: finite, non-negative, source window inside the source, destination inside the target. */
function expectSane(plan: DrawPlan, srcW: number, srcH: number, outH: number, outW: number): void {
  for (const [key, value] of Object.entries(plan)) {
    expect(Number.isFinite(value), `${key}=${value} finite`).toBe(true);
    expect(value, key).toBeGreaterThanOrEqual(0);
  }
  expect(plan.sw).toBeGreaterThan(0);
  expect(plan.sh).toBeGreaterThan(0);
  expect(plan.sx + plan.sw).toBeLessThanOrEqual(srcW + 1e-9);
  expect(plan.sy + plan.sh).toBeLessThanOrEqual(srcH + 1e-9);
  expect(plan.dw).toBeGreaterThanOrEqual(1);
  expect(plan.dh).toBeGreaterThanOrEqual(1);
  expect(plan.dx + plan.dw).toBeLessThanOrEqual(outW);
  expect(plan.dy + plan.dh).toBeLessThanOrEqual(outH);
}

describe('planResize: crop (torchvision Resize + CenterCrop)', () => {
  it('Resize(256)+CenterCrop(224) on 640x480: scale 256/480, 420px source window centered', () => {
    // s = 256/480; window = 224/s = 420 source pixels on each side.
    const plan = planResize(640, 480, [224, 224], 'crop', 256);
    expectPlan(plan, { sx: 110, sy: 30, sw: 420, sh: 420, dx: 0, dy: 0, dw: 224, dh: 224 });
    expectSane(plan, 640, 480, 224, 224);
  });

  it('portrait 480x640 centers the window vertically', () => {
    const plan = planResize(480, 640, [224, 224], 'crop', 256);
    expectPlan(plan, { sx: 30, sy: 110, sw: 420, sh: 420, dx: 0, dy: 0, dw: 224, dh: 224 });
  });

  it('defaults shorterSide to the crop side (pure center crop of the shorter side)', () => {
    const plan = planResize(640, 480, [224, 224], 'crop');
    expectPlan(plan, { sx: 80, sy: 0, sw: 480, sh: 480, dx: 0, dy: 0, dw: 224, dh: 224 });
    expectPlan(planResize(480, 640, [224, 224], 'crop'), { sx: 0, sy: 80, sw: 480, sh: 480, dx: 0, dy: 0, dw: 224, dh: 224 });
  });

  it('default shorterSide uses the smaller of the target sides for a non-square target', () => {
    // target 160h x 200w, side = 160, s = 160/400 = 0.4; window 200/0.4=500 x 160/0.4=400.
    const plan = planResize(800, 400, [160, 200], 'crop');
    expectPlan(plan, { sx: 150, sy: 0, sw: 500, sh: 400, dx: 0, dy: 0, dw: 200, dh: 160 });
  });

  it('clamps the window to the source when shorterSide is smaller than the crop', () => {
    // s = 200/480; 224/s = 537.6 fits in width but not in height (480).
    const plan = planResize(640, 480, [224, 224], 'crop', 200);
    expectPlan(plan, { sx: 51.2, sy: 0, sw: 537.6, sh: 480, dx: 0, dy: 0, dw: 224, dh: 224 });
    expectSane(plan, 640, 480, 224, 224);
  });

  it('a source already at the target size maps 1:1', () => {
    expectPlan(planResize(224, 224, [224, 224], 'crop'), { sx: 0, sy: 0, sw: 224, sh: 224, dx: 0, dy: 0, dw: 224, dh: 224 });
  });
});

describe('planResize: stretch', () => {
  it('draws the whole source over the whole target, ignoring aspect', () => {
    expectPlan(planResize(640, 480, [224, 224], 'stretch'), { sx: 0, sy: 0, sw: 640, sh: 480, dx: 0, dy: 0, dw: 224, dh: 224 });
    expectPlan(planResize(640, 480, [100, 300], 'stretch'), { sx: 0, sy: 0, sw: 640, sh: 480, dx: 0, dy: 0, dw: 300, dh: 100 });
  });
});

describe('planResize: letterbox', () => {
  it('fits landscape 640x480 into 224x224, centered vertically with padding', () => {
    // s = 0.35 -> 224 x 168, padding (224-168)/2 = 28 top and bottom.
    const plan = planResize(640, 480, [224, 224], 'letterbox');
    expectPlan(plan, { sx: 0, sy: 0, sw: 640, sh: 480, dx: 0, dy: 28, dw: 224, dh: 168 });
    expect(plan.dw / plan.dh).toBeCloseTo(640 / 480, 6);
    expectSane(plan, 640, 480, 224, 224);
  });

  it('fits portrait 480x640 centered horizontally', () => {
    expectPlan(planResize(480, 640, [224, 224], 'letterbox'), { sx: 0, sy: 0, sw: 480, sh: 640, dx: 28, dy: 0, dw: 168, dh: 224 });
  });

  it('rounds the destination size and floors the offset on odd padding', () => {
    // s = 224/300; height 100*s = 74.67 -> 75; padding 149 -> dy 74.
    expectPlan(planResize(300, 100, [224, 224], 'letterbox'), { sx: 0, sy: 0, sw: 300, sh: 100, dx: 0, dy: 74, dw: 224, dh: 75 });
  });

  it('upscales a small image to fit', () => {
    // 10x5 into 100x100: s = 10 -> 100 x 50, dy = 25.
    expectPlan(planResize(10, 5, [100, 100], 'letterbox'), { sx: 0, sy: 0, sw: 10, sh: 5, dx: 0, dy: 25, dw: 100, dh: 50 });
  });
});

describe('planResize: extreme aspect ratios', () => {
  const modes = ['crop', 'stretch', 'letterbox'] as const;

  for (const [w, h] of [
    [4000, 40],
    [3, 3000],
  ] as const) {
    for (const mode of modes) {
      it(`${w}x${h} ${mode}: finite, non-negative, window inside the source`, () => {
        const plan = planResize(w, h, [224, 224], mode);
        expectSane(plan, w, h, 224, 224);
      });
    }
  }

  it('4000x40 crop takes the centered 40x40 square', () => {
    expectPlan(planResize(4000, 40, [224, 224], 'crop'), { sx: 1980, sy: 0, sw: 40, sh: 40, dx: 0, dy: 0, dw: 224, dh: 224 });
  });

  it('3x3000 crop takes the centered 3x3 square', () => {
    expectPlan(planResize(3, 3000, [224, 224], 'crop'), { sx: 0, sy: 1498.5, sw: 3, sh: 3, dx: 0, dy: 0, dw: 224, dh: 224 });
  });

  it('letterbox keeps at least one destination pixel on the thin side', () => {
    // 4000x40: s = 0.056 -> 224 x 2.24 -> 2 rows at dy 111.
    expectPlan(planResize(4000, 40, [224, 224], 'letterbox'), { sx: 0, sy: 0, sw: 4000, sh: 40, dx: 0, dy: 111, dw: 224, dh: 2 });
    // 3x3000: width 3*224/3000 = 0.224 rounds to 0, kept at 1 column at dx 111.
    expectPlan(planResize(3, 3000, [224, 224], 'letterbox'), { sx: 0, sy: 0, sw: 3, sh: 3000, dx: 111, dy: 0, dw: 1, dh: 224 });
  });
});

describe('planResize: empty images', () => {
  it.each([
    [0, 480],
    [640, 0],
    [0, 0],
    [-1, 10],
    [Number.NaN, 10],
  ])('%s x %s throws RangeError', (w, h) => {
    for (const mode of ['crop', 'stretch', 'letterbox'] as const) {
      expect(() => planResize(w, h, [224, 224], mode)).toThrow(RangeError);
    }
  });
});
