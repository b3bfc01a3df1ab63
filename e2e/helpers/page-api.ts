/**
 * Thin wrappers around page.evaluate so tests read as intent: create a
 * classifier in the page, classify a served file, read back the exact tensor
 * the library fed the model (as base64 float32, far cheaper than JSON arrays).
 */
import type { Page } from 'playwright';
import type { BackendFallback, BackendCapability, AdapterInfo, BackendName, Category, ModelManifest } from '../../src/types.js';

export interface PageClassifierInfo {
  backend: BackendName;
  engine: 'ort' | 'tfjs';
  fallbacks: BackendFallback[];
  capabilities: BackendCapability[];
  adapter: AdapterInfo | null;
  initMs: number;
}

export interface CreateInPage {
  model: string | ModelManifest;
  backends?: 'auto' | BackendName[];
  baseUrl?: string;
  cache?: false | { maxEntries: number };
}

/** Creates `window.testClassifier`; rejects with `code: message` of the library error. */
export async function createInPage(page: Page, options: CreateInPage): Promise<PageClassifierInfo> {
  return page.evaluate(async (opts) => {
    const w = window as unknown as Record<string, unknown>;
    await (w.testClassifier as { dispose(): Promise<void> } | undefined)?.dispose();
    const t0 = performance.now();
    try {
      const clf = await window.inpageClassifier.createClassifier(opts);
      w.testClassifier = clf;
      return { backend: clf.backend, engine: clf.engine, fallbacks: [...clf.fallbacks], capabilities: [...clf.capabilities], adapter: clf.adapter, initMs: performance.now() - t0 };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new Error(`${err.code ?? 'ERROR'}: ${err.message}`);
    }
  }, options);
}

export interface PageResult {
  top: Category[];
  scores: number[];
  cached: boolean;
  backend: BackendName;
  warnings: string[];
  /** The preprocessed tensor (only when asked for). */
  tensor?: Float32Array;
}

export type Outcome = { ok: true; result: PageResult } | { ok: false; code: string; message: string };

/** Fetches `url` in the page as a Blob and classifies it with `window.testClassifier`. */
export async function classifyUrl(page: Page, url: string, opts: { withTensor?: boolean; topK?: number } = {}): Promise<Outcome> {
  const out = await page.evaluate(async ({ url, withTensor, topK }) => {
    type Clf = import('../../src/classifier.js').Classifier;
    const clf = (window as unknown as { testClassifier: Clf }).testClassifier;
    const blob = await (await fetch(url)).blob();
    try {
      let tensorB64: string | undefined;
      if (withTensor) {
        const t = await clf.preprocess(blob);
        const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
        let s = '';
        for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        tensorB64 = btoa(s);
      }
      const r = await clf.classify(blob, { topK });
      return { ok: true as const, result: { top: r.top, scores: Array.from(r.scores), cached: r.cached, backend: r.backend, warnings: r.warnings }, tensorB64 };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { ok: false as const, code: err.code ?? 'NOT_A_CLASSIFIER_ERROR', message: String(err.message ?? e) };
    }
  }, { url, withTensor: opts.withTensor ?? false, topK: opts.topK ?? 5 });
  if (!out.ok) return out;
  const result: PageResult = out.result;
  if (out.tensorB64) {
    const buf = Buffer.from(out.tensorB64, 'base64');
    result.tensor = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice();
  }
  return { ok: true, result };
}
