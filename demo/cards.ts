/**
 * Result cards: the picture, its top-K as labelled bars, the stage timings,
 * or a friendly message for the library's typed errors (the technical one
 * one click away).
 */
import { type ClassificationResult, type ClassifierErrorCode, isClassifierError } from '../src/index.js';

/** What a person should read for each error a file can cause. */
const FRIENDLY: Partial<Record<ClassifierErrorCode, string>> = {
  UNSUPPORTED_INPUT: 'This file is not an image this page can read. Try a JPEG, PNG, WebP, GIF, BMP or AVIF.',
  INPUT_TOO_LARGE: 'This image is too large to classify here (over 20 MB or 50 megapixels). Try a smaller copy.',
  DECODE_FAILED: 'This looks like an image, but it could not be decoded. It may be damaged or cut short.',
  TIMEOUT: 'This took too long and was stopped. Try again.',
  QUEUE_FULL: 'Too many images at once. Wait for some to finish, then add more.',
  BACKEND_LOST: 'The graphics device stopped working and no other backend was left. Reload the page.',
  DISPOSED: 'The model was switched while this image waited. Add it again.',
};

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}) => Object.assign(document.createElement(tag), props);

/** A new card for an image (or a live source), put first in the list. */
export function newCard(list: HTMLUListElement, name: string, picture: HTMLElement | string): HTMLLIElement {
  const card = el('li', { className: 'card' });
  card.dataset.file = name;
  let media: HTMLElement;
  if (typeof picture === 'string') {
    const img = el('img', { alt: name, src: picture });
    // Files the browser cannot show get a placeholder instead of a broken-image icon.
    img.onerror = () => img.replaceWith(el('div', { className: 'no-preview', textContent: 'no preview' }));
    media = img;
  } else {
    media = picture;
  }
  card.append(media, el('strong', { textContent: name }), el('div', { className: 'output' }));
  list.prepend(card);
  return card;
}

export function showResult(card: HTMLLIElement, r: ClassificationResult): void {
  card.dataset.top1 = r.top[0]?.label ?? '';
  delete card.dataset.error;
  const output = card.querySelector('.output')!;
  const rows = r.top.map((c) => {
    const row = el('div', { className: 'bar' });
    const meter = el('meter', { min: 0, max: 1, value: c.score });
    meter.setAttribute('aria-label', `${c.label}: ${(c.score * 100).toFixed(1)}%`);
    row.append(el('span', { className: 'label', textContent: c.label }), meter, el('span', { textContent: `${(c.score * 100).toFixed(1)}%` }));
    return row;
  });
  const t = r.timings;
  const timings = el('p', {
    className: 'timings',
    textContent: `${r.cached ? 'cache hit · ' : ''}decode ${t.decodeMs.toFixed(0)} ms · preprocess ${t.preprocessMs.toFixed(0)} ms · inference ${t.inferenceMs.toFixed(0)} ms · total ${t.totalMs.toFixed(0)} ms · ${r.engine}/${r.backend}`,
  });
  const warnings = r.warnings.map((w) => el('p', { className: 'warning', textContent: w }));
  output.replaceChildren(...rows, timings, ...warnings);
}

export function showError(card: HTMLLIElement, error: unknown): void {
  const code = isClassifierError(error) ? error.code : 'ERROR';
  card.dataset.error = code;
  const technical = error instanceof Error ? error.message : String(error);
  const details = el('details');
  details.append(el('summary', { textContent: `Details (${code})` }), el('p', { textContent: technical }));
  card.querySelector('.output')!.replaceChildren(el('p', { className: 'error', role: 'alert', textContent: FRIENDLY[code as ClassifierErrorCode] ?? technical }), details);
}
