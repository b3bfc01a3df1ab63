/**
 * Backend selection in real Chromium on this GPU-less machine: 'auto' goes
 * straight to WASM without starting an emulated GPU, the decision is
 * remembered across page loads, and a measured choice abandons candidates
 * that cannot initialise within their share of the budget.
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
      else expect(c.reason).toMatch(/share of selectionBudgetMs/);
    }
    const next = await create(ONNX, { measureBackends: 'always', selectionBudgetMs: 6000 });
    expect(next.selection).toMatchObject({ fromCache: true, measured: false });
  });
});
