/**
 * Region of interest: `classify(input, { region })` cuts the region out before
 * the model's resize mode. On a photo with a dog, a bicycle and a truck, the
 * whole picture is a dog to an ImageNet MobileNetV2, and a box around the
 * truck is a vehicle; the region's answer equals classifying a cropped copy
 * of the file (cut in the page, so both go through the same decoder), in the
 * page and in worker mode; the region is part of the cache key; a bad region
 * is INVALID_REGION and the next call works.
 */
import { describe, expect, test } from 'vitest';
import type { Classifier, Region } from '../src/index.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, SKIP_NO_DATA } from './helpers/data.js';

/** darknet's dog.jpg, 768x576: the truck parked top right, and the dog bottom left. */
const PHOTO = 'dog_bicycle_truck.jpg';
const TRUCK_PX = { x: 460, y: 70, width: 240, height: 110 };
const DOG_PX = { x: 120, y: 200, width: 210, height: 350 };
const SIZE = { width: 768, height: 576 };
/** ImageNet classes a pickup truck may be called by a MobileNetV2 seeing part of it. */
const VEHICLES = ['minibus', 'minivan', 'limousine', 'pickup', 'police van', 'moving van', 'tow truck', 'trailer truck', 'station wagon', 'jeep', 'ambulance', 'beach wagon', 'cab', 'car wheel', 'grille', 'garbage truck', 'fire engine', 'sports car', 'convertible', 'racer', 'recreational vehicle', 'passenger car'];
const isDog = (index: number) => index >= 151 && index <= 268;

interface RegionRun {
  whole: { index: number; label: string };
  truck: { index: number; label: string; scores: number[] };
  truckNormalized: number[];
  croppedBlob: number[];
  croppedImageData: number[];
  dog: { index: number; label: string };
  tensorRegion: number[];
  tensorCropped: number[];
  batch: number[][];
  cache: { again: boolean; wholeAfter: boolean; dogAfter: boolean };
  errors: { code: string | undefined; message: string }[];
  afterErrors: number;
}

describe.skipIf(!hasSharedData)(`region of interest (${hasSharedData ? 'real photos, ImageNet MobileNetV2 on ORT wasm' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  /** Everything measured on one classifier, in the page or in its worker. */
  async function runRegions(worker: boolean, resampling: 'antialiased' | 'canvas' = 'antialiased'): Promise<RegionRun> {
    return demo().page.evaluate(async ({ manifest, worker, resampling, photo, truckPx, dogPx, size }) => {
      const clf: Classifier = await window.inpageClassifier.createClassifier({ model: manifest, backends: ['wasm'], baseUrl: '/shared-data/models/', worker, preprocessing: { resampling } });
      try {
        const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
        const px = (r: typeof truckPx): Region => ({ ...r, unit: 'pixels' });
        const norm = (r: typeof truckPx): Region => ({ x: r.x / size.width, y: r.y / size.height, width: r.width / size.width, height: r.height / size.height });
        const best = (r: { top: { index: number; label: string }[] }) => ({ index: r.top[0]!.index, label: r.top[0]!.label });
        // A cropped copy of the file, cut in the page: the same decoder's pixels, one drawImage at 1:1.
        const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
        const canvas = new OffscreenCanvas(truckPx.width, truckPx.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(bitmap, truckPx.x, truckPx.y, truckPx.width, truckPx.height, 0, 0, truckPx.width, truckPx.height);
        bitmap.close();
        const croppedPng = await canvas.convertToBlob({ type: 'image/png' });
        const croppedPixels = ctx.getImageData(0, 0, truckPx.width, truckPx.height);

        const whole = await clf.classify(blob);
        const truck = await clf.classify(blob, { region: px(truckPx) });
        const truckNormalized = await clf.classify(blob, { region: norm(truckPx) });
        const again = await clf.classify(blob, { region: px(truckPx) });
        const wholeAfter = await clf.classify(blob);
        const dog = await clf.classify(blob, { region: px(dogPx) });
        const dogAfter = await clf.classify(new Blob([await blob.arrayBuffer()], { type: blob.type }), { region: px(dogPx) });
        const croppedBlob = await clf.classify(croppedPng);
        const croppedImageData = await clf.classify(croppedPixels);
        const tensorRegion = await clf.preprocess(blob, { region: px(truckPx) });
        const tensorCropped = await clf.preprocess(croppedPng);
        const batch = await clf.classifyBatch([croppedPng, blob], { region: { x: 0, y: 0, width: 1, height: 1 } });

        const errors: { code: string | undefined; message: string }[] = [];
        for (const region of [
          { x: 0.1, y: 0.1, width: 0, height: 0.5 },
          { x: 0.8, y: 0, width: 0.5, height: 0.5 },
          { x: 700, y: 0, width: 200, height: 100, unit: 'pixels' },
          { x: 0.1, y: Number.NaN, width: 0.5, height: 0.5 },
          { x: 0, y: 0, width: 0.5, height: 0.5, unit: 'percent' },
          { x: 10, y: 10, width: 0.2, height: 0.2, unit: 'pixels' },
        ]) {
          try {
            await clf.classify(blob, { region: region as Region });
            errors.push({ code: 'RESOLVED', message: JSON.stringify(region) });
          } catch (e) {
            const err = e as { code?: string; message: string };
            errors.push({ code: err.code, message: err.message });
          }
        }
        const afterErrors = (await clf.classify(blob, { region: px(truckPx) })).top[0]!.index;
        return {
          whole: best(whole), truck: { ...best(truck), scores: [...truck.scores] }, truckNormalized: [...truckNormalized.scores], croppedBlob: [...croppedBlob.scores], croppedImageData: [...croppedImageData.scores],
          dog: best(dog), tensorRegion: [...tensorRegion], tensorCropped: [...tensorCropped], batch: batch.map((r) => [...r.scores]),
          cache: { again: again.cached, wholeAfter: wholeAfter.cached, dogAfter: dogAfter.cached }, errors, afterErrors,
        };
      } finally {
        await clf.dispose();
      }
    }, { manifest: imagenetManifest(), worker, resampling, photo: PHOTO, truckPx: TRUCK_PX, dogPx: DOG_PX, size: SIZE });
  }

  const maxDiff = (a: readonly number[], b: readonly number[]) => {
    expect(a.length).toBe(b.length);
    return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  };

  function expectRegionBehaviour(run: RegionRun): void {
    // The whole picture is the dog; the box around the truck is a vehicle, the box around the dog a dog.
    expect(isDog(run.whole.index), `whole photo top-1 ${run.whole.label}`).toBe(true);
    expect(VEHICLES, `truck region top-1 ${run.truck.label}`).toContain(run.truck.label);
    expect(isDog(run.dog.index), `dog region top-1 ${run.dog.label}`).toBe(true);
    // The region equals a cropped copy of the file, and the same box in either unit crops the same pixels.
    expect(maxDiff(run.truck.scores, run.truckNormalized)).toBe(0);
    expect(maxDiff(run.truck.scores, run.croppedBlob)).toBeLessThanOrEqual(1e-6);
    expect(maxDiff(run.truck.scores, run.croppedImageData)).toBeLessThanOrEqual(1e-6);
    expect(maxDiff(run.tensorRegion, run.tensorCropped)).toBeLessThanOrEqual(1e-6);
    // A full-frame region in a batch: the cropped copy is classified as itself.
    expect(maxDiff(run.batch[0]!, run.croppedBlob)).toBeLessThanOrEqual(1e-6);
    // Part of the cache key: the same region again is a hit (also from another Blob with the same bytes); the whole photo was cached first.
    expect(run.cache).toEqual({ again: true, wholeAfter: true, dogAfter: true });
    expect(run.errors.map((e) => e.code)).toEqual(Array(6).fill('INVALID_REGION'));
    expect(run.errors[0]!.message).toMatch(/empty/);
    expect(run.errors[1]!.message).toMatch(/ends outside the image/);
    expect(run.errors[2]!.message).toMatch(/\(700, 0\)-\(900, 100\) ends outside the 768x576 image/);
    expect(run.errors[3]!.message).toMatch(/region\.y must be a finite number/);
    expect(run.errors[4]!.message).toMatch(/unit must be 'normalized' or 'pixels'/);
    expect(run.errors[5]!.message).toMatch(/less than one pixel/);
    expect(run.afterErrors).toBe(run.truck.index);
  }

  test('in the page: the region decides the subject, equals a cropped copy, keys the cache, and bad regions are INVALID_REGION', async () => {
    expectRegionBehaviour(await runRegions(false));
  });

  test('in worker mode: the same answers as in the page', async () => {
    const [page, worker] = [await runRegions(false), await runRegions(true)];
    expectRegionBehaviour(worker);
    expect(maxDiff(worker.truck.scores, page.truck.scores)).toBeLessThanOrEqual(1e-6);
  });

  test('with the canvas resampler the region is cut the same way', async () => {
    const run = await runRegions(false, 'canvas');
    expect(VEHICLES).toContain(run.truck.label);
    expect(maxDiff(run.truck.scores, run.croppedBlob)).toBeLessThanOrEqual(1e-6);
  });
});
