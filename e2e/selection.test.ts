/**
 * Backend selection in real Chromium on this GPU-less machine: 'auto' goes
 * straight to WASM without starting an emulated GPU, the decision is
 * remembered across page loads, a measured choice abandons candidates
 * that cannot initialise within their share of the budget (and, when every
 * one is abandoned, starts them again in order without that deadline), and
 * the default number of WASM threads.
 */
import { describe, expect, test } from 'vitest';
import type { BackendSelection } from '../src/types.js';
import { useDemoSession } from './helpers/browser.js';

const TFJS = '/models/nsfw-mobilenet-v2/manifest.json';
const ONNX = '/models/nsfw-mobilenet-v2-onnx/manifest.json';

describe('backend selection', () => {
  const demo = useDemoSession();
  const create = (model: string, extra: Record<string, unknown> = {}) =>
    demo().page.evaluate(async ({ model, extra }) => {
      const clf = await window.inpageClassifier.createClassifier({ model, ...extra });
      const out = { backend: clf.backend, selection: clf.selection as BackendSelection };
      await clf.dispose();
      return out;
    }, { model, extra });

  test("'auto' picks WASM and never starts a session on the emulated GPUs", async () => {
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
    for (const model of [TFJS, ONNX]) {
      const { backend, selection } = await create(model);
      expect(backend).toBe('wasm');
      expect(selection).toMatchObject({ mode: 'auto', measured: false, fromCache: false });
      const gpus = selection.candidates.filter((c) => c.backend !== 'wasm');
      expect(gpus.map((c) => [c.backend, c.kind, c.status])).toEqual([['webgl', 'software', 'not-tried'], ['webgpu', 'software', 'not-tried']]);
      for (const c of gpus) expect(c.reason).toMatch(/emulated GPU/);
    }
  });

  test('the next page load reuses the remembered decision; clearSelectionCache forgets it', async () => {
    await demo().page.reload();
    await demo().page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
    const again = await create(TFJS);
    expect(again.backend).toBe('wasm');
    expect(again.selection).toMatchObject({ fromCache: true, measured: false });
    expect(again.selection.candidates.filter((c) => c.status !== 'not-tried').map((c) => c.backend)).toEqual(['wasm']);
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
    expect((await create(TFJS)).selection.fromCache).toBe(false);
  });

  test('measured choice: every candidate timed or abandoned within the budget, fastest kept, then remembered', async () => {
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
    // 6 s over 3 candidates: ~2 s each. WASM initialises in well under a second; the emulated
    // GPUs need 5-20 s to compile their shaders here, so they are abandoned (or, if they make
    // it, measured slower).
    const { backend, selection } = await create(ONNX, { measureBackends: 'always', selectionBudgetMs: 6000 });
    expect(backend).toBe('wasm');
    expect(selection.measured).toBe(true);
    const wasm = selection.candidates.find((c) => c.backend === 'wasm')!;
    expect(wasm.status).toBe('selected');
    expect(wasm.ms).toBeGreaterThan(0);
    for (const c of selection.candidates.filter((c) => c.backend !== 'wasm')) {
      expect(['abandoned', 'measured']).toContain(c.status);
      if (c.status === 'measured') expect(c.ms!).toBeGreaterThan(wasm.ms!);
      else expect(c.reason).toMatch(/share of selection.budgetMs/);
    }
    const next = await create(ONNX, { measureBackends: 'always', selectionBudgetMs: 6000 });
    expect(next.selection).toMatchObject({ fromCache: true, measured: false });
  });

  test('default wasmThreads: min(4, hardwareConcurrency) when the page is cross-origin isolated, 1 with the reason when it is not', async () => {
    type Page = ReturnType<typeof demo>['page'];
    const wasmIn = (page: Page) => page.evaluate(async (model) => {
      const clf = await window.inpageClassifier.createClassifier({ model, backends: ['wasm'], rememberBackend: false });
      const wasm = clf.capabilities.find((c) => c.backend === 'wasm')!;
      const out = { isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, backend: clf.backend, threads: wasm.threads, description: wasm.description };
      await clf.dispose();
      return out;
    }, ONNX);
    // Copies of the demo page: one claiming 16 cores (the cap), one without COOP/COEP on its document (not isolated).
    const copies: Page[] = [];
    const copy = async (opts: { cores?: number; isolated: boolean }) => {
      const page = await demo().page.context().newPage();
      copies.push(page);
      if (opts.cores) await page.addInitScript(`Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => ${opts.cores} });`);
      if (!opts.isolated) {
        await page.route((url) => url.pathname === '/', async (route) => {
          const response = await route.fetch();
          const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !/^cross-origin-(opener|embedder)-policy$/i.test(name)));
          await route.fulfill({ response, headers });
        });
      }
      await page.goto(demo().page.url());
      await page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
      return page;
    };
    try {
      const runs = [await wasmIn(demo().page), await wasmIn(await copy({ cores: 16, isolated: true })), await wasmIn(await copy({ isolated: false }))];
      // Every branch is exercised: the dev server's COOP/COEP isolate the demo page, the last copy is not isolated.
      expect(runs.map((r) => [r.isolated, r.cores])).toEqual([[true, runs[0]!.cores], [true, 16], [false, runs[0]!.cores]]);
      for (const r of runs) {
        expect(r.backend).toBe('wasm');
        // Whichever the page is, the documented default: min(4, navigator.hardwareConcurrency) as the page counts it, or 1 and why.
        const expected = r.isolated ? Math.min(4, r.cores) : 1;
        expect(r.threads, JSON.stringify(r)).toBe(expected);
        if (r.isolated) expect(r.description).toMatch(new RegExp(`, ${expected} threads?$`));
        else expect(r.description).toContain('1 thread (not cross-origin isolated: serve COOP/COEP headers for threads)');
      }
    } finally {
      for (const page of copies) await page.close();
    }
  });

  test('measured choice where every candidate misses its share: the abandoned ones get a second chance, in order, with no deadline', async () => {
    // A fresh page, so each runtime still has to fetch and compile its module and wasm: that cannot
    // finish within a 1 ms timer. (On a page where ORT's wasm is already loaded, its init and warm-up
    // run through microtasks only and win the race against the share's timer however long they take.)
    await demo().page.reload();
    await demo().page.waitForFunction(() => typeof window.inpageClassifier?.createClassifier === 'function');
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
    const out = await demo().page.evaluate(async (model) => {
      const inits: string[] = [];
      // 3 ms over 3 candidates: a 1 ms share, in which no runtime can even load.
      const clf = await window.inpageClassifier.createClassifier({
        model, measureBackends: 'always', selectionBudgetMs: 3,
        onProgress: (p) => { if (p.phase === 'init') inits.push(String(p.detail)); },
      });
      const result = { backend: clf.backend, selection: clf.selection as BackendSelection, inits };
      await clf.dispose();
      return result;
    }, ONNX);
    // Every candidate was abandoned while measuring, so nothing was measured...
    expect(out.selection.measured).toBe(false);
    for (const c of out.selection.candidates) expect(c.reason, c.backend).toMatch(/did not initialise within its 1 ms share of selection\.?budgetMs/i);
    // ...and then the first in order (WASM) was started a second time, without the share's
    // deadline, and kept: started twice (two 'init' events), selected, the GPUs left abandoned.
    // Without the second chance there would be no candidate left and createClassifier would reject with NO_BACKEND.
    expect(out.inits).toEqual(['wasm', 'webgl', 'webgpu', 'wasm']);
    expect(out.backend).toBe('wasm');
    expect(Object.fromEntries(out.selection.candidates.map((c) => [c.backend, c.status]))).toEqual({ wasm: 'selected', webgl: 'abandoned', webgpu: 'abandoned' });
  });
});
