/**
 * Model tier selection (`model` as a list, largest first): the largest tier
 * whose measured inference fits `latencyBudgetMs` runs; slower tiers are
 * disposed; a tier that cannot load is skipped with its reason; the smallest
 * is kept whatever it measures. Real models: the NSFW InceptionV3 299 (about
 * 10x MobileNetV2's compute) and the default MobileNetV2 224, on WASM.
 */
import { describe, expect, test } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import type { TierSelection } from '../src/types.js';

const LARGE = '/models/nsfw-inception-v3/manifest.json';
const SMALL = '/models/nsfw-mobilenet-v2/manifest.json';

interface TierOutcome {
  tiers: TierSelection | undefined;
  model: string;
  top: string;
  tensorsAfter: number;
  tensorsSmallAlone: number;
  /** Requests for the large tier's manifest during this createClassifier. */
  largeFetches: number;
}

describe('model tiers', () => {
  const demo = useDemoSession();

  async function createTiered(models: string[], latencyBudgetMs: number, rememberBackend = false): Promise<TierOutcome> {
    return demo().page.evaluate(async ({ models, latencyBudgetMs, rememberBackend, large }) => {
      const w = window as unknown as { testClassifier?: { dispose(): Promise<void> } };
      await w.testClassifier?.dispose();
      const fetches = () => performance.getEntriesByType('resource').filter((e) => e.name.endsWith(large)).length;
      const before = fetches();
      // In the page (worker: false): the checks read the page's resource timings and tfjs's page-wide tensor count.
      const clf = await window.inpageClassifier.createClassifier({ tiers: { models, latencyBudgetMs }, backends: ['wasm'], selection: { remember: rememberBackend }, worker: false });
      const largeFetches = fetches() - before;
      w.testClassifier = clf;
      const canvas = document.createElement('canvas');
      canvas.width = 64;
      canvas.height = 64;
      const result = await clf.classify(canvas);
      const tensorsAfter = clf.stats().engineMemory?.numTensors ?? -1;
      // What one more copy of the smallest model adds to tfjs's page-wide count.
      const alone = await window.inpageClassifier.createClassifier({ model: models[models.length - 1]!, backends: ['wasm'], rememberBackend: false, worker: false });
      const tensorsBoth = alone.stats().engineMemory?.numTensors ?? -1;
      await alone.dispose();
      return { tiers: clf.stats().tiers, model: clf.manifest.name, top: result.top[0]!.label, tensorsAfter, tensorsSmallAlone: tensorsBoth - tensorsAfter, largeFetches };
    }, { models, latencyBudgetMs, rememberBackend, large: LARGE });
  }

  test('a generous budget keeps the largest tier', async () => {
    const out = await createTiered([LARGE, SMALL], 60_000);
    expect(out.tiers?.selected).toBe(0);
    expect(out.tiers?.budgetMs).toBe(60_000);
    expect(out.largeFetches).toBe(1);
    expect(out.tiers?.candidates.map((c) => c.status)).toEqual(['selected', 'not-tried']);
    expect(out.tiers?.candidates[0]!.latencyMs).toBeGreaterThan(0);
    expect(out.tiers?.candidates[0]!.model).toMatch(/inception/i);
    expect(out.model).toMatch(/inception/i);
  });

  test('a budget the large tier misses falls to the smaller one; the large one is disposed', async () => {
    // Measure first, then set the budget between the two tiers' latencies, so the test holds on any machine.
    const probe = await createTiered([LARGE, SMALL], 60_000);
    const large = probe.tiers!.candidates[0]!.latencyMs!;
    const small = await createTiered([SMALL], 60_000);
    const smallMs = small.tiers!.candidates[0]!.latencyMs!;
    expect(large).toBeGreaterThan(smallMs * 2); // InceptionV3 299 costs far more than MobileNetV2 224
    const budget = Math.sqrt(large * smallMs); // between them, with a wide margin on both sides
    const out = await createTiered([LARGE, SMALL], budget);
    expect(out.tiers?.selected).toBe(1);
    expect(out.tiers?.candidates[0]).toMatchObject({ status: 'over-budget' });
    expect(out.tiers?.candidates[0]!.latencyMs).toBeGreaterThan(budget);
    expect(out.tiers?.candidates[0]!.reason).toMatch(/ms budget/);
    expect(out.tiers?.candidates[1]).toMatchObject({ status: 'selected' });
    expect(out.model).not.toMatch(/inception/i);
    // Only the selected small model's tensors are alive page-wide: the disposed InceptionV3 left none behind.
    expect(out.tensorsSmallAlone).toBeGreaterThan(0);
    expect(out.tensorsAfter).toBe(out.tensorsSmallAlone);
    expect(out.tiers?.fromCache).toBe(false);

    // Remembered for this device: the next start does not even fetch the large tier.
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
    const measured = await createTiered([LARGE, SMALL], budget, true);
    expect(measured.largeFetches).toBe(1);
    expect(measured.tiers?.selected).toBe(1);
    const again = await createTiered([LARGE, SMALL], budget, true);
    expect(again.largeFetches).toBe(0);
    expect(again.tiers).toMatchObject({ selected: 1, fromCache: true });
    expect(again.tiers?.candidates[0]).toMatchObject({ status: 'over-budget', reason: expect.stringMatching(/remembered/) });
    expect(again.tiers?.candidates[0]!.latencyMs).toBeUndefined();
    // Another budget is another decision: measured afresh.
    const otherBudget = await createTiered([LARGE, SMALL], budget * 1.01, true);
    expect(otherBudget.largeFetches).toBe(1);
    await demo().page.evaluate(() => window.inpageClassifier.clearSelectionCache());
  });

  test('the smallest tier is kept even over budget, and a tier that cannot load is skipped with its reason', async () => {
    const out = await createTiered(['/models/no-such-model/manifest.json', SMALL], 0.001);
    expect(out.tiers?.selected).toBe(1);
    expect(out.tiers?.candidates[0]).toMatchObject({ status: 'failed' });
    expect(out.tiers?.candidates[0]!.reason).toMatch(/no-such-model/);
    expect(out.tiers?.candidates[1]).toMatchObject({ status: 'selected' });
    expect(out.tiers?.candidates[1]!.reason).toMatch(/kept as the smallest tier/);
  });

  test('bad tier lists and budgets are refused with clear errors', async () => {
    const out = await demo().page.evaluate(async () => {
      const attempt = (o: Parameters<typeof window.inpageClassifier.createClassifier>[0]) =>
        window.inpageClassifier.createClassifier(o).then(() => 'resolved', (e: Error & { code?: string }) => `${e.code ?? e.name}: ${e.message}`);
      return {
        // The deprecated form (a model list) and the grouped one are checked alike.
        empty: await attempt({ model: [] }),
        emptyTiers: await attempt({ tiers: { models: [] } }),
        budget: await attempt({ model: ['/models/nsfw-mobilenet-v2/manifest.json'], latencyBudgetMs: -1 }),
        allFail: await attempt({ model: ['/models/none-a/manifest.json', '/models/none-b/manifest.json'], backends: ['wasm'] }),
      };
    });
    expect(out.empty).toMatch(/^TypeError: .*at least one/);
    expect(out.emptyTiers).toMatch(/^TypeError: options.tiers.models must list at least one/);
    expect(out.budget).toMatch(/^TypeError: .*latencyBudgetMs must be a positive number/);
    // The last tier's own code (the dev server answers a missing file with its HTML page), and every tier's story.
    expect(out.allFail).toMatch(/^MANIFEST_INVALID: No model tier could start: .*none-a.*failed.*returned HTML.*none-b.*failed/);
  });
});
