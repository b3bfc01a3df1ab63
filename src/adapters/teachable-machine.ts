/**
 * Teachable Machine image exports (model.json + metadata.json): labels, image
 * size, grayscale and name from metadata.json; the fixed recipe TM trains with
 * (centre square scaled to imageSize, x / 127 - 1, NHWC, softmax head).
 */
import type { Fields } from './fields.js';
import { applyFacts, isFixed, type ModelFacts, shapeFor, tfjsFacts } from './model-facts.js';
import { readJson } from './source-files.js';
import { type PackFlags, PackError, type SourceFiles } from './types.js';

/** A Teachable Machine export at the read tier; returns the model facts. */
export async function adaptTeachableMachine(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const meta = await readJson(files, 'metadata.json');
  const facts = await tfjsFacts(files, flags.model ?? 'model.json');
  applyFacts(f, facts, flags);
  if (Array.isArray(meta.labels)) f.set('labels', (meta.labels as unknown[]).map(String), 'metadata.json labels', 'read');
  const imageSize = isFixed(meta.imageSize) ? meta.imageSize : 224;
  const sizeFrom = isFixed(meta.imageSize) ? 'metadata.json imageSize' : 'Teachable Machine default imageSize 224';
  const { h, w, c } = shapeFor(facts.dims, 'NHWC');
  f.set('input.size', [imageSize, imageSize], sizeFrom, 'default'); // the graph's fixed size (read tier) wins
  if (isFixed(h) && isFixed(w) && (h !== imageSize || w !== imageSize)) throw new PackError('input.size', `${sizeFrom} ${imageSize} but ${facts.dimsFrom} is ${h}x${w}`, '--size');
  f.set('input.resize.mode', 'crop', 'Teachable Machine (centre square, scaled to imageSize)', 'read');
  f.set('input.resize.shorterSide', imageSize, sizeFrom, 'read');
  f.set('input.scale', 1 / 127, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.mean', 1, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.std', 1, 'Teachable Machine: x / 127 - 1', 'read');
  f.set('input.layout', 'NHWC', 'Teachable Machine (tfjs)', 'read');
  f.set('output.activation', 'softmax', 'Teachable Machine (softmax head)', 'default');
  if (meta.grayscale === true) {
    if (c === 1) f.set('input.channels', 'L', `metadata.json grayscale + ${facts.dimsFrom}`, 'read');
    else if (!flags.channels) throw new PackError('input.channels', `metadata.json grayscale is true but ${facts.dimsFrom} takes ${String(c)} channels: Teachable Machine feeds gray copied into 3 channels, which the manifest cannot express; --channels RGB accepts colour input instead`, '--channels');
  }
  f.set('name', typeof meta.modelName === 'string' ? meta.modelName : undefined, 'metadata.json modelName', 'read');
  f.set('version', typeof meta.packageVersion === 'string' ? meta.packageVersion : undefined, 'metadata.json packageVersion', 'read');
  return facts;
}
