/**
 * Model tier selection: given several models for the same task, largest
 * first, use the largest whose inference on this device fits a latency
 * budget: MobileNet on a slow device, a larger net on a fast one.
 * Each tier is loaded and started like a single model, timed on a few
 * inferences after its warm-up, and disposed again when it is too slow; the
 * smallest tier is kept whatever it measures, so there is always a classifier.
 * With `selection.remember`, the choice is kept for this device (user agent +
 * cores) and list + budget: the next start begins at the remembered tier
 * instead of downloading larger ones again just to find them too slow (it is
 * still timed, and a smaller tier is taken if it no longer fits).
 * Loaded lazily: apps with one model never download this code.
 */
import { type PageClassifier, recordTierSelection } from './classifier.js';
import { PREFIX, recall, remember } from './backends/remember.js';
import { ClassifierError, describeError } from './errors.js';
import type { ResolvedOptions } from './options.js';
import { medianOfRuns } from './timing.js';
import type { ModelManifest, TierCandidate, TierSelection } from './types.js';

type ModelRef = string | ModelManifest;

function tierName(model: ModelRef): string {
  if (typeof model === 'string') return model;
  return `${model.name}@${model.version}`;
}

/** Median ms of a model-sized zero tensor through the model (the engine is warm already). */
async function timeInference(clf: PageClassifier): Promise<number> {
  const [h, w] = clf.manifest.input.size;
  const input = new Float32Array(h * w * 3);
  return medianOfRuns(async () => (await clf.classifyTensor(input)).timings.inferenceMs);
}

/** What the remembered choice depends on besides the list: this browser on this many cores. */
function deviceSignature(): string {
  const nav = globalThis.navigator;
  return `${nav?.userAgent ?? ''}|${nav?.hardwareConcurrency ?? 0}`;
}

/**
 * @param create - starts one model (as createClassifier does for a single model)
 * @param createRemote - with `remote` set: the inference server as the last tier, for a device
 *   on which even the smallest model is over budget (or none starts); it runs the largest tier's
 *   manifest (the server has the time for it)
 */
export async function createTiered(options: ResolvedOptions & { tiers: NonNullable<ResolvedOptions['tiers']> }, create: (model: ModelRef) => Promise<PageClassifier>, createRemote?: (model: ModelRef) => Promise<PageClassifier>): Promise<PageClassifier> {
  const { models: tiers, latencyBudgetMs: budgetMs } = options.tiers;
  const candidates: TierCandidate[] = tiers.map((m) => ({ model: tierName(m), status: 'not-tried' }));
  const memory = !options.selection.remember ? null : { key: `${PREFIX}tiers:${budgetMs}:${candidates.map((c) => c.model).join('|')}`, signature: deviceSignature() };
  const remembered = memory ? recall<number>(memory.key, memory.signature) : null;
  const first = remembered !== null && remembered > 0 && remembered < tiers.length ? remembered : 0;
  for (const c of candidates.slice(0, first)) {
    Object.assign(c, { status: 'over-budget', reason: 'over budget on this device before (remembered; clearSelectionCache() measures again)' });
  }
  let lastError: unknown;
  for (const [i, model] of tiers.entries()) {
    if (i < first) continue;
    const candidate = candidates[i]!;
    const smallest = i === tiers.length - 1;
    let clf: PageClassifier;
    try {
      clf = await create(model);
    } catch (error) {
      Object.assign(candidate, { status: 'failed', reason: describeError(error) });
      lastError = error;
      continue;
    }
    candidate.model = `${clf.manifest.name}@${clf.manifest.version}`;
    let latencyMs: number;
    try {
      latencyMs = await timeInference(clf);
    } catch (error) {
      await clf.dispose();
      Object.assign(candidate, { status: 'failed', reason: `timing runs failed: ${describeError(error)}` });
      lastError = error;
      continue;
    }
    candidate.latencyMs = latencyMs;
    if (smallest && latencyMs > budgetMs && createRemote) {
      const remote = await remoteTier(tiers[0]!, candidates, createRemote, `every tier is over the ${budgetMs} ms budget on this device`);
      if (remote) {
        Object.assign(candidate, { status: 'over-budget', reason: `${latencyMs.toFixed(1)} ms per inference on ${clf.backend} > ${budgetMs} ms budget` });
        await clf.dispose();
        recordTierSelection(remote, { budgetMs, selected: candidates.length - 1, fromCache: false, candidates });
        return remote;
      }
    }
    if (latencyMs <= budgetMs || smallest) {
      candidate.status = 'selected';
      if (latencyMs > budgetMs) candidate.reason = `over the ${budgetMs} ms budget, kept as the smallest tier`;
      const selection: TierSelection = { budgetMs, selected: i, fromCache: first > 0, candidates };
      if (memory) remember(memory.key, memory.signature, i);
      recordTierSelection(clf, selection);
      return clf;
    }
    Object.assign(candidate, { status: 'over-budget', reason: `${latencyMs.toFixed(1)} ms per inference on ${clf.backend} > ${budgetMs} ms budget` });
    await clf.dispose();
  }
  if (createRemote) {
    const remote = await remoteTier(tiers[0]!, candidates, createRemote, 'no local tier could start');
    if (remote) {
      recordTierSelection(remote, { budgetMs, selected: candidates.length - 1, fromCache: false, candidates });
      return remote;
    }
  }
  // Every tier failed to start: the smallest one's error, with what happened to the others.
  const summary = candidates.map((c) => `${c.model}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`).join('; ');
  if (lastError instanceof ClassifierError) {
    throw new ClassifierError(lastError.code, `No model tier could start: ${summary}`, { cause: lastError, details: { ...lastError.details, tiers: candidates } });
  }
  throw new ClassifierError('MODEL_LOAD_FAILED', `No model tier could start: ${summary}`, { cause: lastError, details: { tiers: candidates } });
}

/** The inference server as the last tier: its candidate appended (selected, or failed with why); null when it could not start. */
async function remoteTier(model: ModelRef, candidates: TierCandidate[], createRemote: (model: ModelRef) => Promise<PageClassifier>, why: string): Promise<PageClassifier | null> {
  const candidate: TierCandidate = { model: `remote: ${tierName(model)}`, status: 'not-tried' };
  candidates.push(candidate);
  try {
    const clf = await createRemote(model);
    Object.assign(candidate, { model: `remote: ${clf.manifest.name}@${clf.manifest.version}`, status: 'selected', reason: `${why}: the inference server runs it` });
    return clf;
  } catch (error) {
    Object.assign(candidate, { status: 'failed', reason: describeError(error) });
    return null;
  }
}
