/**
 * The library's default preprocessing gives the pixels a torchvision/Pillow
 * server gives, byte for byte: Chromium's decoder (createImageBitmap) decodes
 * these JPEGs and PNGs to the same RGB as Pillow, and the antialiased
 * resampler does Pillow's fixed-point arithmetic. Measured on every shared
 * photo, for the NSFW model's stretch to 224x224 and for torchvision's
 * Resize(256) + CenterCrop(224), against Debian's python3-pil (the real
 * Pillow). Transparent images are flattened on white on both sides.
 * The one difference is colour management: a browser converts an embedded
 * non-sRGB ICC profile to sRGB, Pillow keeps the stored values. With the
 * manifest's `input.colorProfile: 'ignore'` the library keeps them too, and
 * every photo matches; with the default ('convert') exactly the photos with
 * a non-sRGB profile differ.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { base64ToFloat32 } from '../tools/browser/base64.js';
import { DEFAULT_MODELS } from '../tools/browser/matrix.js';
import { changesColoursToSrgb, hasPillow, NO_PILLOW, pillowPreprocess } from '../tools/pillow.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';

const ready = hasSharedData && hasPillow;
const why = !hasSharedData ? SKIP_NO_DATA : !hasPillow ? NO_PILLOW : 'real photos, Debian Pillow';

describe.skipIf(!ready)(`preprocessing equals Pillow's (${why})`, () => {
  const demo = useDemoSession();
  const photos = photoNames();
  const wideGamut = ready ? changesColoursToSrgb(photos.map((p) => join(SHARED_DATA, 'photos', p))) : [];

  // Photos whose embedded ICC profile moves colours on the way to sRGB (Adobe RGB, Display P3).
  const nonSrgb = photos.filter((_, i) => wideGamut[i]);

  for (const [mode, shorterSide, colorProfile] of [['stretch', undefined, 'ignore'], ['crop', 256, 'ignore'], ['stretch', undefined, 'convert']] as const) {
    test(`${mode}${shorterSide ? ` (Resize ${shorterSide} + CenterCrop 224)` : ' to 224x224'}, colorProfile '${colorProfile}': ${colorProfile === 'ignore' ? "every photo's pixels are Pillow's bytes" : 'only the non-sRGB photos differ'}`, async () => {
      // The model's manifest with its normalisation taken out: the tensor is then the resized RGB pixels (NHWC).
      const tensors = await demo().page.evaluate(async ({ model, photos, mode, shorterSide, colorProfile }) => {
        const manifest = await (await fetch(model)).json();
        manifest.input = { ...manifest.input, size: [224, 224], layout: 'NHWC', resize: { mode, ...(shorterSide ? { shorterSide } : {}) }, scale: 1, mean: [0, 0, 0], std: [1, 1, 1], channels: 'RGB', colorProfile };
        const clf = await window.inpageClassifier.createClassifier({ model: manifest, baseUrl: new URL('./', new URL(model, location.href)).href, backends: ['wasm'], selection: { remember: false } });
        const out: string[] = [];
        for (const p of photos) out.push(window.harness.float32ToBase64(await clf.preprocess(await (await fetch(`/shared-data/photos/${p}`)).blob())));
        await clf.dispose();
        return out;
      }, { model: DEFAULT_MODELS.ort, photos, mode, shorterSide, colorProfile });
      const theirs = pillowPreprocess(photos.map((p) => join(SHARED_DATA, 'photos', p)), mode, [224, 224], shorterSide);
      const differing: Record<string, { bytes: number; maxDiff: number }> = {};
      for (const [i, name] of photos.entries()) {
        const ours = base64ToFloat32(tensors[i]!);
        let bytes = 0;
        let maxDiff = 0;
        for (let k = 0; k < ours.length; k++) {
          const d = Math.abs(ours[k]! - theirs[i]![k]!);
          if (d > 0) bytes++;
          maxDiff = Math.max(maxDiff, d);
        }
        if (bytes) differing[name] = { bytes, maxDiff };
      }
      expect(photos.length).toBeGreaterThanOrEqual(30);
      if (colorProfile === 'ignore') expect(differing).toEqual({});
      else {
        expect(nonSrgb.length).toBeGreaterThan(0);
        expect(Object.keys(differing).sort()).toEqual([...nonSrgb].sort());
      }
    });
  }
});
