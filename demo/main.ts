/**
 * Demo shell: pick or drop images, see top-K with bars. Uses the public API
 * only, and exposes it as window.inpageClassifier for console and tests.
 */
import * as inpageClassifier from '../src/index.js';
import { type Classifier, type ClassificationResult, createClassifier, isClassifierError } from '../src/index.js';

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
const results = $<HTMLUListElement>('results');
let current: Promise<Classifier> | null = null;

async function load(): Promise<Classifier> {
  const model = $<HTMLSelectElement>('model').value;
  const choice = $<HTMLSelectElement>('backend').value;
  badge.textContent = 'loading…';
  badge.classList.remove('error');
  (await current?.catch(() => null))?.dispose();
  current = createClassifier({
    model,
    backends: choice === 'auto' ? 'auto' : [choice as inpageClassifier.BackendName],
    onProgress: (p) => {
      progress.value = p.total > 0 ? p.loaded / p.total : p.phase === 'ready' ? 1 : 0;
      badge.textContent = `${p.phase}${p.detail ? `: ${p.detail}` : ''}`;
    },
  });
  try {
    const clf = await current;
    window.demoClassifier = clf;
    const software = clf.capabilities.find((c) => c.backend === clf.backend)?.kind === 'software' ? ' (emulated GPU)' : '';
    badge.textContent = `${clf.engine} · ${clf.backend}${software}`;
    $<HTMLUListElement>('fallbacks').replaceChildren(
      ...clf.fallbacks.map((f) => Object.assign(document.createElement('li'), { textContent: `${f.backend} skipped: ${f.reason}` })),
      ...clf.capabilities.map((c) => Object.assign(document.createElement('li'), { textContent: `${c.backend}: ${c.available ? `${c.kind}, ${c.description}` : c.reason}` })),
    );
    return clf;
  } catch (error) {
    badge.textContent = `failed: ${isClassifierError(error) ? error.code : 'error'}`;
    badge.classList.add('error');
    throw error;
  }
}

function renderResult(card: HTMLLIElement, r: ClassificationResult): void {
  for (const c of r.top) {
    const row = document.createElement('div');
    row.className = 'bar';
    row.innerHTML = `<span class="label"></span><meter min="0" max="1"></meter><span>${(c.score * 100).toFixed(1)}%</span>`;
    row.querySelector('.label')!.textContent = c.label;
    (row.querySelector('meter') as HTMLMeterElement).value = c.score;
    card.append(row);
  }
  const t = r.timings;
  card.append(Object.assign(document.createElement('p'), {
    className: 'timings',
    textContent: `${r.cached ? 'cached · ' : ''}decode ${t.decodeMs.toFixed(0)} ms · preprocess ${t.preprocessMs.toFixed(0)} ms · inference ${t.inferenceMs.toFixed(0)} ms · ${r.backend}`,
  }));
}

async function classifyFiles(files: Iterable<File>): Promise<void> {
  const clf = await (current ?? load());
  await Promise.all([...files].map(async (file) => {
    const card = document.createElement('li');
    card.className = 'card';
    card.dataset.file = file.name;
    const img = Object.assign(document.createElement('img'), { alt: file.name, src: URL.createObjectURL(file) });
    // Files the browser cannot show get a placeholder instead of a broken-image icon.
    img.onerror = () => img.replaceWith(Object.assign(document.createElement('div'), { className: 'no-preview', textContent: 'no preview' }));
    card.append(img, Object.assign(document.createElement('strong'), { textContent: file.name }));
    results.prepend(card);
    try {
      const r = await clf.classify(file, { topK: 3 });
      card.dataset.top1 = r.top[0]?.label ?? '';
      renderResult(card, r);
    } catch (error) {
      card.dataset.error = isClassifierError(error) ? error.code : 'ERROR';
      card.append(Object.assign(document.createElement('p'), { className: 'error', textContent: error instanceof Error ? error.message : String(error) }));
    }
  }));
}

const drop = $<HTMLLabelElement>('drop');
$<HTMLInputElement>('file').addEventListener('change', (e) => void classifyFiles((e.target as HTMLInputElement).files ?? []));
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); void classifyFiles(e.dataTransfer?.files ?? []); });
document.addEventListener('paste', (e) => void classifyFiles(e.clipboardData?.files ?? []));
$<HTMLSelectElement>('model').addEventListener('change', () => void load().catch(() => {}));
$<HTMLSelectElement>('backend').addEventListener('change', () => void load().catch(() => {}));
// ?autoload=0 leaves model loading to the console or a test script.
if (new URLSearchParams(location.search).get('autoload') !== '0') void load().catch(() => {});
