/**
 * Model output → probabilities → top-K categories with labels. Pure.
 */
import type { Activation, Category } from '../types.js';

/** Numerically stable softmax (subtracts the max first). */
export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp(logits[i]! - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function sigmoid(logits: Float32Array): Float32Array {
  return logits.map((x) => 1 / (1 + Math.exp(-x)));
}

export function applyActivation(output: Float32Array, activation: Activation): Float32Array {
  if (activation === 'softmax') return softmax(output);
  if (activation === 'sigmoid') return sigmoid(output);
  return Float32Array.from(output);
}

/**
 * The k best classes, highest score first; ties keep the lower index first so
 * results are deterministic. With a threshold (multi-label models), only
 * classes scoring at least that are listed.
 */
export function topK(scores: Float32Array, labels: readonly string[], k: number, threshold?: number): Category[] {
  const n = Math.max(0, Math.min(Math.floor(k), scores.length));
  let order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  if (threshold !== undefined) order = order.filter((i) => scores[i]! >= threshold);
  return order.slice(0, n).map((index) => ({ label: labels[index] ?? `class ${index}`, index, score: scores[index]! }));
}

/** True when every value is a finite number (a warm-up's health check). */
export function allFinite(values: Float32Array): boolean {
  for (const v of values) if (!Number.isFinite(v)) return false;
  return true;
}
