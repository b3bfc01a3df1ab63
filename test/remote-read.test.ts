/**
 * How an image-bytes endpoint's answer becomes one score per label
 * (readScores in src/engines/remote.ts): the four shapes peers' servers
 * return, and REMOTE_FAILED for anything else. End to end against
 * serve-model's /predict in each shape: e2e/remote.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { readScores } from '../src/engines/remote.js';
import { isClassifierError } from '../src/errors.js';

const LABELS = ['cat', 'dog', 'bird'];
const read = (json: unknown, shape: Parameters<typeof readScores>[2] = 'auto') => Array.from(readScores(json, LABELS, shape, 'http://x/predict'));

describe('readScores', () => {
  test('{ scores } as they are', () => {
    expect(read({ scores: [0.1, 0.7, 0.2] })).toEqual([0.1, 0.7, 0.2].map(Math.fround));
  });

  test('{ top: [{ index | label, score }] } and [{ label, score }] (Hugging Face pipelines): absent classes score 0', () => {
    expect(read({ top: [{ index: 2, score: 0.5 }, { label: 'cat', score: 0.25 }] })).toEqual([0.25, 0, 0.5]);
    expect(read([{ label: 'dog', score: 0.75 }])).toEqual([0, 0.75, 0]);
  });

  test('{ class_id, confidence }: a probability is kept, a logit stays the top class', () => {
    expect(read({ class_id: 1, confidence: 0.5 })).toEqual([0, 0.5, 0]);
    const logit = read({ class_id: 2, confidence: -0.3 });
    expect(logit.indexOf(Math.max(...logit))).toBe(2);
  });

  test.each([
    ['an unknown shape', { answer: 'cat' }],
    ['too few scores', { scores: [0.1, 0.9] }],
    ['an unknown label', [{ label: 'horse', score: 0.9 }]],
    ['a class index out of range', { class_id: 7, confidence: 0.9 }],
    ['a score that is no number', { top: [{ index: 0, score: 'high' }] }],
    ['null', null],
  ])('%s is REMOTE_FAILED naming the accepted shapes', (_, json) => {
    try {
      read(json);
      expect.unreachable();
    } catch (e) {
      expect(isClassifierError(e, 'REMOTE_FAILED')).toBe(true);
      expect((e as Error).message).toMatch(/Accepted: \{ scores: \[\.\.\.\] \}/);
    }
  });

  test('a forced shape reads only that shape', () => {
    expect(() => read({ scores: [1, 0, 0] }, 'labels')).toThrow(/no labels list/);
  });
});
