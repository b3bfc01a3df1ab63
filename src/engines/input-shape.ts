/**
 * The one up-front check every engine makes once its model is built: does
 * the model's declared input take the manifest's tensor? Said in manifest
 * terms (a grayscale model "takes 1 channel"), so a wrong manifest is one
 * clear MODEL_LOAD_FAILED instead of a shape error from every backend.
 */
import { ModelMismatchError } from './engine.js';

/**
 * @param declared - the model's input shape: a number per fixed dimension; -1, null or a name for a free one
 * @param expected - the manifest's single-image tensor shape (batch first)
 * @throws ModelMismatchError saying what the model takes, in manifest fields
 */
export function checkInputShape(declared: readonly (number | string | null)[] | undefined, expected: readonly number[], layout: 'NCHW' | 'NHWC', name?: string): void {
  if (!declared) return;
  const free = (d: number | string | null | undefined): d is string | null | undefined => typeof d !== 'number' || d < 0;
  const fits = declared.length === expected.length && declared.every((d, i) => i === 0 || free(d) || d === expected[i]);
  if (fits) return;
  const at = (i: number) => (free(declared[i]) ? 'any' : String(declared[i]));
  const hints: string[] = [];
  if (declared.length === 4) {
    const [c, h, w] = layout === 'NHWC' ? [3, 1, 2] : [1, 2, 3];
    const channels = declared[c];
    if (!free(channels) && channels !== expected[c]) hints.push(`the model takes ${channels} channel${channels === 1 ? '' : 's'} (input.channels ${channels === 1 ? '"L"' : channels === 4 ? '"RGBA"' : '"RGB" or "BGR"'})`);
    if ((!free(declared[h]) && declared[h] !== expected[h]) || (!free(declared[w]) && declared[w] !== expected[w])) hints.push(`the model takes ${at(h)}x${at(w)} (input.size [${at(h)}, ${at(w)}], height first)`);
    if (declared[3] === 3 && expected[1] === 3 && layout === 'NCHW') hints.push('the model is channels-last (input.layout "NHWC")');
  }
  throw new ModelMismatchError(`model input ${name ? `"${name}" ` : ''}has shape [${declared.map((d) => (free(d) ? -1 : d)).join(',')}] but the manifest describes [${expected.join(',')}]${hints.length ? `: ${hints.join('; ')}` : ''}`);
}

