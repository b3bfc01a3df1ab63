/**
 * What the parity harness does inside the page: create a classifier on one
 * backend, then score either the server's exact tensor (classifyTensor) or
 * the raw image file (classify: the library's canvas preprocessing).
 * Data crosses as base64 (JSON arrays of 150k floats would dominate the run).
 */
import type { Page } from 'playwright';
import type { BackendName, ModelManifest } from '../../src/types.js';

export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export async function createOnBackend(page: Page, model: string | ModelManifest, backend: BackendName, baseUrl?: string): Promise<{ backend: string; engine: string }> {
  return page.evaluate(async ({ model, backend, baseUrl }) => {
    const w = window as unknown as { parityClassifier?: { dispose(): Promise<void> } };
    await w.parityClassifier?.dispose();
    w.parityClassifier = undefined;
    try {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: [backend], cache: false, ...(baseUrl ? { baseUrl } : {}) });
      w.parityClassifier = clf;
      return { backend: clf.backend, engine: clf.engine };
    } catch (e) {
      throw new Error(`${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}`);
    }
  }, { model, backend, baseUrl });
}

/** @param mode - 'tensor': `payload` is float32 bytes for classifyTensor; 'canvas': the encoded image file. */
export async function scoreInPage(page: Page, mode: 'tensor' | 'canvas', payload: Uint8Array): Promise<Float32Array> {
  const b64 = await page.evaluate(async ({ mode, b64 }) => {
    type Clf = import('../../src/classifier.js').Classifier;
    const clf = (window as unknown as { parityClassifier: Clf }).parityClassifier;
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const r = mode === 'tensor' ? await clf.classifyTensor(new Float32Array(bytes.buffer)) : await clf.classify(new Blob([bytes]));
    const out = new Uint8Array(r.scores.buffer, r.scores.byteOffset, r.scores.byteLength);
    let s = '';
    for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(s);
  }, { mode, b64: toBase64(payload) });
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
}
