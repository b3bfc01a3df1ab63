import { describe, expect, test } from 'vitest';
import { agreement, topIndices } from '../tools/parity/stats.js';

describe('parity agreement statistics', () => {
  test('identical results agree fully with zero difference', () => {
    const s = [[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]];
    expect(agreement(s, s)).toEqual({ images: 2, top1Agreement: 1, top5Agreement: 1, maxAbsDiffProb: 0, meanAbsDiffProb: 0 });
  });

  test('a flipped top-1 and small drifts are counted exactly', () => {
    const server = [[0.6, 0.4], [0.2, 0.8]];
    const browser = [[0.4, 0.6], [0.25, 0.75]];
    const a = agreement(server, browser);
    expect(a.top1Agreement).toBe(0.5);
    expect(a.maxAbsDiffProb).toBeCloseTo(0.2, 12);
    expect(a.meanAbsDiffProb).toBeCloseTo((0.2 + 0.2 + 0.05 + 0.05) / 4, 12);
    expect(a.top5Agreement).toBe(1); // 2 classes: both top-"5" sets are {0, 1}
  });

  test('top-5 overlap is the share of shared classes', () => {
    const server = [[10, 9, 8, 7, 6, 5, 4]];
    const browser = [[10, 9, 8, 7, 1, 5, 4]]; // class 4 drops out of the top 5, class 6 comes in
    expect(agreement(server, browser).top5Agreement).toBeCloseTo(4 / 5, 12);
  });

  test('mismatched lengths are errors, not silent zeros', () => {
    expect(() => agreement([[1, 0]], [])).toThrow(RangeError);
    expect(() => agreement([[1, 0]], [[1, 0, 0]])).toThrow(RangeError);
  });

  test('topIndices orders by score, ties by index', () => {
    expect(topIndices([0.2, 0.5, 0.5, 0.1], 3)).toEqual([1, 2, 0]);
  });
});
