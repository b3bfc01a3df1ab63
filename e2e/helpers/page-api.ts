/**
 * Thin wrappers around page.evaluate so tests read as intent: create a
 * classifier in the page (tools/browser/page-classifier.ts, shared with the
 * parity harness), classify a served file, read back the exact tensor the
 * library fed the model (as base64 float32, tools/browser/base64.ts).
 */
import type { Page } from 'playwright';
import type { BackendName, Category } from '../../src/types.js';
import { base64ToFloat32 } from '../../tools/browser/base64.js';

export { createInPage, type CreateInPage, type PageClassifierInfo } from '../../tools/browser/page-classifier.js';

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
    type Clf = import('../../src/index.js').Classifier;
    const clf = (window as unknown as { testClassifier: Clf }).testClassifier;
    const blob = await (await fetch(url)).blob();
    try {
      const tensorB64 = withTensor ? window.harness.float32ToBase64(await clf.preprocess(blob)) : undefined;
      const r = await clf.classify(blob, { topK });
      return { ok: true as const, result: { top: r.top, scores: Array.from(r.scores), cached: r.cached, backend: r.backend, warnings: r.warnings }, tensorB64 };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { ok: false as const, code: err.code ?? 'NOT_A_CLASSIFIER_ERROR', message: String(err.message ?? e) };
    }
  }, { url, withTensor: opts.withTensor ?? false, topK: opts.topK ?? 5 });
  if (!out.ok) return out;
  const result: PageResult = out.result;
  if (out.tensorB64) result.tensor = base64ToFloat32(out.tensorB64);
  return { ok: true, result };
}
