/**
 * Where a classifier runs (`classifier.worker`): in a Web Worker or in the
 * page, and why. createClassifier records it once the classifier exists
 * (create.ts); both classifier classes read it here, so neither constructor
 * needs to know how it was chosen.
 */
import type { WorkerPlacement } from './types.js';

const placements = new WeakMap<object, WorkerPlacement>();

const NOT_RECORDED: WorkerPlacement = Object.freeze({ used: false, reason: 'created inside a worker, or not through createClassifier' });

export function recordPlacement(classifier: object, placement: WorkerPlacement): void {
  placements.set(classifier, Object.freeze({ ...placement }));
}

export function placementOf(classifier: object): WorkerPlacement {
  return placements.get(classifier) ?? NOT_RECORDED;
}
