/**
 * "A classifier in the page", for the e2e tests and the parity harness: one
 * createClassifier call through page.evaluate, kept as `window.testClassifier`
 * for the calls that follow (the previous one disposed first). A rejection
 * becomes an Error reading `CODE: message` of the library error, which tests
 * match with toThrow(/CODE: .../).
 */
import type { Page } from 'playwright';
import type { LocalBackendName, ModelManifest } from '../../src/types.js';

/** What createClassifier resolves to in the demo page. */
type PageClassifier = Awaited<ReturnType<Window['inpageClassifier']['createClassifier']>>;

/** The new classifier's facts, copied out of the page, and how long createClassifier took. */
export type PageClassifierInfo = Pick<PageClassifier, 'backend' | 'engine' | 'fallbacks' | 'capabilities' | 'adapter'> & { initMs: number };

export interface CreateInPage {
  model: string | ModelManifest;
  backends?: 'auto' | LocalBackendName[];
  baseUrl?: string;
  cache?: false | { maxEntries: number };
}

/** Creates `window.testClassifier`; rejects with `code: message` of the library error. */
export async function createInPage(page: Page, options: CreateInPage): Promise<PageClassifierInfo> {
  return page.evaluate(async (opts) => {
    const w = window as unknown as Record<string, unknown>;
    await (w.testClassifier as { dispose(): Promise<void> } | undefined)?.dispose();
    w.testClassifier = undefined;
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
