/**
 * What the parity harness does inside the page, on the classifier
 * createInPage (tools/browser/page-classifier.ts) made there: score either
 * the server's exact tensor (classifyTensor) or the raw image file (classify:
 * the library's canvas preprocessing). Data crosses as base64
 * (tools/browser/base64.ts).
 */
import type { Page } from 'playwright';
import { base64ToFloat32, bytesToBase64 } from '../browser/base64.js';

/** @param mode - 'tensor': `payload` is float32 bytes for classifyTensor; 'canvas': the encoded image file. */
export async function scoreInPage(page: Page, mode: 'tensor' | 'canvas', payload: Uint8Array): Promise<Float32Array> {
  const b64 = await page.evaluate(async ({ mode, b64 }) => {
    type Clf = import('../../src/index.js').Classifier;
    const clf = (window as unknown as { testClassifier: Clf }).testClassifier;
    const bytes = window.harness.base64ToBytes(b64);
    const r = mode === 'tensor' ? await clf.classifyTensor(new Float32Array(bytes.buffer)) : await clf.classify(new Blob([bytes]));
    return window.harness.float32ToBase64(r.scores);
  }, { mode, b64: bytesToBase64(payload) });
  return base64ToFloat32(b64);
}
