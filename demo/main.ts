/**
 * The demo page: pick, drop (files or folders), paste or film images and see
 * each one's top-K. It uses the public API only, and exposes it as
 * window.inpageClassifier for the console and tests.
 */
import * as inpageClassifier from '../src/index.js';
import { type LocalBackendName, type Classifier, createClassifier, isClassifierError } from '../src/index.js';
import { newCard, showError, showResult } from './cards.js';
import { droppedModelFiles, type LocalFile, type LocalModel, localModel, pickedFiles } from './own-model.js';
import { type Camera, droppedFiles, startCamera } from './sources.js';

declare global {
  interface Window {
    inpageClassifier: typeof inpageClassifier;
    demoClassifier?: Classifier;
  }
}
window.inpageClassifier = inpageClassifier;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const badge = $<HTMLSpanElement>('badge');
const progress = $<HTMLProgressElement>('progress');
const progressText = $<HTMLSpanElement>('progress-text');
const results = $<HTMLUListElement>('results');
const stats = $<HTMLParagraphElement>('stats');
const modelSelect = $<HTMLSelectElement>('model');
let current: Promise<Classifier> | null = null;
/** Models picked from disk, by their option value in the model picker. */
const localModels = new Map<string, LocalModel>();

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The badge says what failed; the full message is on hover. */
function showLoadFailure(error: unknown, what: string): void {
  badge.textContent = `failed: ${isClassifierError(error) ? error.code : what}`;
  badge.title = error instanceof Error ? error.message : String(error);
  badge.classList.add('error');
}

async function load(): Promise<Classifier> {
  const choice = $<HTMLSelectElement>('backend').value;
  badge.textContent = 'loading…';
  badge.removeAttribute('title');
  badge.classList.remove('error');
  (await current?.catch(() => null))?.dispose();
  const local = localModels.get(modelSelect.value);
  current = createClassifier({
    ...(local ? { model: local.manifest, baseUrl: local.baseUrl, modelCache: { name: local.modelCacheName } } : { model: modelSelect.value }),
    backends: choice === 'auto' ? 'auto' : [choice as LocalBackendName],
    onProgress: (p) => {
      progress.value = p.total > 0 ? p.loaded / p.total : p.phase === 'ready' ? 1 : 0;
      progressText.textContent = p.phase === 'download' ? `downloading ${mb(p.loaded)} of ${mb(p.total)}` : p.phase;
      badge.textContent = `${p.phase}${p.detail ? `: ${p.detail}` : ''}`;
    },
  });
  try {
    const clf = await current;
    window.demoClassifier = clf;
    const software = clf.capabilities.find((c) => c.backend === clf.backend)?.kind === 'software' ? ' (emulated GPU)' : '';
    badge.textContent = `${clf.engine} · ${clf.backend}${software}`;
    const reasons = [
      `${clf.worker.used ? 'runs in a Web Worker' : 'runs in the page'}: ${clf.worker.reason}`,
      ...clf.fallbacks.map((f) => `${f.backend} skipped: ${f.reason}`),
      ...clf.capabilities.map((c) => `${c.backend}: ${c.available ? `${c.kind}, ${c.description}` : c.reason}`),
      ...(clf.adapter ? [`WebGPU adapter: ${clf.adapter.description || clf.adapter.vendor || 'unnamed'}${clf.adapter.isFallbackAdapter ? ' (software fallback adapter)' : ''}`] : []),
    ];
    badge.title = reasons.join('\n');
    $<HTMLUListElement>('fallbacks').replaceChildren(...reasons.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
    showStats(clf);
    return clf;
  } catch (error) {
    showLoadFailure(error, 'error');
    throw error;
  }
}

function showStats(clf: Classifier): void {
  const s = clf.stats();
  const cache = s.cache ? `cache ${s.cache.hits} hits / ${s.cache.misses} misses (${s.cache.size} kept, ${Math.round(s.cache.hitRate * 100)} % hit rate)` : 'cache off';
  const { total, inference } = s.latency;
  const latency = total.count ? `p95 ${Math.round(total.p95)} ms per call (inference p95 ${Math.round(inference.p95)} ms)` : 'no calls yet';
  const errors = Object.entries(s.errors).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  stats.textContent = `${s.runs} inferences · ${cache} · ${latency} · errors: ${errors}`;
}

async function classifyFiles(files: Iterable<File>): Promise<void> {
  const clf = await (current ?? load());
  await Promise.all([...files].map(async (file) => {
    const card = newCard(results, file.name, URL.createObjectURL(file));
    try {
      showResult(card, await clf.classify(file, { topK: 3 }));
    } catch (error) {
      showError(card, error);
    }
    showStats(clf);
  }));
}

let camera: Camera | null = null;
async function toggleCamera(button: HTMLButtonElement): Promise<void> {
  if (camera) {
    camera.stop();
    camera = null;
    button.textContent = 'Start camera';
    button.setAttribute('aria-pressed', 'false');
    return;
  }
  const clf = await (current ?? load());
  try {
    const started = await startCamera();
    const card = newCard(results, 'camera', started.video);
    // The library's frame loop: one frame in flight, the rest dropped; a few answers a second are plenty to read.
    const frames = clf.classifyStream(started.video, {
      topK: 3, maxFps: 4,
      onResult: (r) => {
        showResult(card, r);
        card.dataset.dropped = String(r.dropped);
        showStats(clf);
      },
      onError: (error) => {
        showError(card, error);
        showStats(clf);
      },
    });
    camera = { video: started.video, stop: () => { frames.stop(); started.stop(); } };
    button.textContent = 'Stop camera';
    button.setAttribute('aria-pressed', 'true');
  } catch (error) {
    const card = newCard(results, 'camera', 'data:,');
    card.dataset.error = 'CAMERA';
    card.querySelector('.output')!.textContent = `The camera could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const drop = $<HTMLLabelElement>('drop');
$<HTMLInputElement>('file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const files = [...(input.files ?? [])];
  // Cleared so that picking the same file again fires another change.
  input.value = '';
  void classifyFiles(files);
});
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  if (e.dataTransfer) void droppedFiles(e.dataTransfer).then(classifyFiles);
});
document.addEventListener('paste', (e) => void classifyFiles(e.clipboardData?.files ?? []));
$<HTMLButtonElement>('camera').addEventListener('click', (e) => void toggleCamera(e.currentTarget as HTMLButtonElement));
$<HTMLFormElement>('own-model').addEventListener('submit', (e) => {
  e.preventDefault();
  const url = $<HTMLInputElement>('own-model-url').value.trim();
  if (!url) return;
  const option = Object.assign(document.createElement('option'), { value: url, textContent: `Your model: ${url}` });
  modelSelect.append(option);
  modelSelect.value = url;
  void load().catch(() => {});
});
function loadLocalModel(files: LocalFile[]): void {
  void localModel(files).then((local) => {
    const value = `local:${local.manifest.name}@${local.manifest.version}`;
    localModels.set(value, local);
    if (![...modelSelect.options].some((o) => o.value === value)) {
      const from = local.source === 'manifest' ? 'from disk' : `from disk, ${local.source} folder`;
      modelSelect.append(Object.assign(document.createElement('option'), { value, textContent: `Your model: ${local.manifest.name} (${from})` }));
    }
    modelSelect.value = value;
    return load();
  }).catch((error: unknown) => {
    showLoadFailure(error, 'model files');
  });
}
// Loose files (multiple) or a whole folder (webkitdirectory): paths relative to the picked folder.
for (const id of ['own-model-files', 'own-model-folder']) {
  $<HTMLInputElement>(id).addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const files = pickedFiles(input.files ?? []);
    input.value = '';
    loadLocalModel(files);
  });
}
// The model's files or its folder can also be dropped on the "Your own model" form.
const ownModelForm = $<HTMLFormElement>('own-model');
ownModelForm.addEventListener('dragover', (e) => e.preventDefault());
ownModelForm.addEventListener('drop', (e) => {
  e.preventDefault();
  e.stopPropagation();
  if (e.dataTransfer) void droppedModelFiles(e.dataTransfer).then(loadLocalModel);
});
modelSelect.addEventListener('change', () => void load().catch(() => {}));
$<HTMLSelectElement>('backend').addEventListener('change', () => void load().catch(() => {}));
// ?autoload=0 leaves model loading to the console or a test script.
if (new URLSearchParams(location.search).get('autoload') !== '0') void load().catch(() => {});
