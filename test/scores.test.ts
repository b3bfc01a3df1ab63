import { describe, expect, it } from 'vitest';
import { allFinite, applyActivation, sigmoid, softmax, topK } from '../src/postprocess/scores.js';

const f32 = (...values: number[]) => Float32Array.from(values);
const sum = (a: Float32Array) => a.reduce((s, x) => s + x, 0);

describe('softmax', () => {
  it('matches hand-computed values for [1, 2, 3]', () => {
    const p = softmax(f32(1, 2, 3));
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0]! + e[1]! + e[2]!;
    expect(p[0]).toBeCloseTo(e[0]! / z, 6); // 0.0900306
    expect(p[1]).toBeCloseTo(e[1]! / z, 6); // 0.2447285
    expect(p[2]).toBeCloseTo(e[2]! / z, 6); // 0.6652410
    expect(p[2]).toBeCloseTo(0.665241, 5);
  });

  it('sums to 1', () => {
    for (const logits of [f32(0.3, -2, 5, 1.7, 0), f32(-10, -20, -30), f32(7)]) {
      expect(sum(softmax(logits))).toBeCloseTo(1, 6);
    }
  });

  it('is stable for large logits (1000, 1001): no NaN/Infinity', () => {
    const p = softmax(f32(1000, 1001));
    expect(allFinite(p)).toBe(true);
    expect(p[0]).toBeCloseTo(1 / (1 + Math.E), 6); // 0.2689414
    expect(p[1]).toBeCloseTo(Math.E / (1 + Math.E), 6); // 0.7310586
    expect(sum(p)).toBeCloseTo(1, 6);
  });

  it('is stable for very negative logits', () => {
    const p = softmax(f32(-1000, -1001));
    expect(p[0]).toBeCloseTo(1 / (1 + 1 / Math.E), 6);
    expect(sum(p)).toBeCloseTo(1, 6);
  });

  it('equal logits give a uniform distribution', () => {
    expect(Array.from(softmax(f32(4, 4, 4, 4)))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('does not modify its input and returns a new array', () => {
    const logits = f32(1, 2, 3);
    const p = softmax(logits);
    expect(p).not.toBe(logits);
    expect(Array.from(logits)).toEqual([1, 2, 3]);
  });
});

describe('sigmoid', () => {
  it('matches hand-computed values', () => {
    const p = sigmoid(f32(0, 2, -2, 1000, -1000));
    expect(p[0]).toBe(0.5);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6); // 0.8807971
    expect(p[2]).toBeCloseTo(1 / (1 + Math.exp(2)), 6); // 0.1192029
    expect(p[3]).toBe(1);
    expect(p[4]).toBe(0);
  });

  it('is independent per value (does not normalise)', () => {
    expect(sum(sigmoid(f32(5, 5, 5)))).toBeGreaterThan(2.9);
  });
});

describe('applyActivation', () => {
  it("'none' returns an equal copy, not the same array", () => {
    const out = f32(3, -1, 0.5);
    const copy = applyActivation(out, 'none');
    expect(copy).not.toBe(out);
    expect(Array.from(copy)).toEqual([3, -1, 0.5]);
    copy[0] = 99;
    expect(out[0]).toBe(3);
  });

  it("'softmax' and 'sigmoid' dispatch to the functions", () => {
    const out = f32(1, 2, 3);
    expect(Array.from(applyActivation(out, 'softmax'))).toEqual(Array.from(softmax(out)));
    expect(Array.from(applyActivation(out, 'sigmoid'))).toEqual(Array.from(sigmoid(out)));
    expect(sum(applyActivation(out, 'softmax'))).toBeCloseTo(1, 6);
  });
});

describe('topK', () => {
  const labels = ['cat', 'dog', 'bird', 'fish'];

  it('returns the best classes, highest score first, with label/index/score', () => {
    const scores = f32(0.1, 0.6, 0.25, 0.05);
    expect(topK(scores, labels, 2)).toEqual([
      { label: 'dog', index: 1, score: Math.fround(0.6) },
      { label: 'bird', index: 2, score: Math.fround(0.25) },
    ]);
  });

  it('breaks ties by the lower index first', () => {
    const scores = f32(0.2, 0.4, 0.2, 0.4);
    expect(topK(scores, labels, 4).map((c) => c.index)).toEqual([1, 3, 0, 2]);
  });

  it('returns every class when k is larger than the number of scores', () => {
    const top = topK(f32(0.1, 0.3, 0.2), labels, 10);
    expect(top.map((c) => c.index)).toEqual([1, 2, 0]);
  });

  it('returns [] for k = 0 (and for negative k)', () => {
    expect(topK(f32(0.1, 0.3), labels, 0)).toEqual([]);
    expect(topK(f32(0.1, 0.3), labels, -3)).toEqual([]);
  });

  it('floors a fractional k', () => {
    expect(topK(f32(0.1, 0.3, 0.2), labels, 2.9)).toHaveLength(2);
  });

  it("falls back to 'class N' for indices without a label", () => {
    const top = topK(f32(0.1, 0.2, 0.9), ['only'], 3);
    expect(top.map((c) => c.label)).toEqual(['class 2', 'class 1', 'only']);
  });

  it('handles negative scores (logits)', () => {
    expect(topK(f32(-3, -1, -2), labels, 3).map((c) => c.index)).toEqual([1, 2, 0]);
  });

  it('does not reorder the scores array', () => {
    const scores = f32(0.1, 0.6, 0.25);
    topK(scores, labels, 3);
    expect(Array.from(scores)).toEqual([Math.fround(0.1), Math.fround(0.6), Math.fround(0.25)]);
  });
});

describe('allFinite', () => {
  it('is true only when every value is finite', () => {
    expect(allFinite(f32(0, -1.5, 3e38))).toBe(true);
    expect(allFinite(f32())).toBe(true);
    expect(allFinite(f32(1, Number.NaN))).toBe(false);
    expect(allFinite(f32(Number.POSITIVE_INFINITY, 1))).toBe(false);
    expect(allFinite(f32(0, Number.NEGATIVE_INFINITY))).toBe(false);
  });
});
