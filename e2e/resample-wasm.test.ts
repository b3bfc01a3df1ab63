/**
 * The resampler's WebAssembly SIMD passes in Chromium: they run there, give a
 * real photo the JS passes' bytes (the ones e2e/pillow-parity.test.ts holds to
 * Pillow's) in every resize mode, and where a Content-Security-Policy forbids
 * compiling WebAssembly (no 'wasm-unsafe-eval': e.g. an app that only uses a
 * remote engine) the JS passes run instead, with the same bytes and no error.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importInPage } from '../tools/browser/harness.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';

const ROOT = join(import.meta.dirname, '..');

/** In the page: a photo decoded and read back at full size, resampled by both passes in each mode. */
async function compareInPage(photo: string): Promise<{ available: boolean; modes: Record<string, { equal: boolean; bytes: number }> }> {
  const w = window as unknown as {
    rs: {
      planResample(w: number, h: number, size: [number, number], mode: string): unknown;
      resampleAntialiased(src: Uint8ClampedArray, w: number, h: number, t: unknown, bg: [number, number, number], filter: string, passes: string): Uint8ClampedArray;
    };
    rw: { wasmResamplerAvailable(): boolean };
  };
  const bitmap = await createImageBitmap(await (await fetch(`/shared-data/photos/${photo}`)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  const modes: Record<string, { equal: boolean; bytes: number }> = {};
  for (const mode of ['stretch', 'crop', 'letterbox', 'fit-height']) {
    for (const filter of ['bilinear', 'bicubic']) {
      const t = w.rs.planResample(bitmap.width, bitmap.height, mode === 'fit-height' ? [48, 192] : [224, 224], mode);
      const js = w.rs.resampleAntialiased(data, bitmap.width, bitmap.height, t, [255, 255, 255], filter, 'js');
      const auto = w.rs.resampleAntialiased(data, bitmap.width, bitmap.height, t, [255, 255, 255], filter, 'auto');
      modes[`${mode}/${filter}`] = { equal: js.length === auto.length && js.every((v, i) => v === auto[i]), bytes: js.length };
    }
  }
  return { available: w.rw.wasmResamplerAvailable(), modes };
}

describe.skipIf(!hasSharedData)(`resampler in WebAssembly SIMD, in Chromium (${hasSharedData ? 'shared photos' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();

  test('runs in the page and gives a real photo the JS passes\' bytes in every resize mode', async () => {
    const { page } = demo();
    await importInPage(page, 'src/preprocess/resample.ts', 'rs');
    await importInPage(page, 'src/preprocess/resample-wasm.ts', 'rw');
    for (const photo of photoNames().slice(0, 3)) {
      const out = await page.evaluate(compareInPage, photo);
      expect(out.available).toBe(true);
      for (const [mode, r] of Object.entries(out.modes)) expect(r.equal, `${photo} ${mode}`).toBe(true);
    }
  });

  test('a CSP without \'wasm-unsafe-eval\': the JS passes run, with the same bytes, and nothing throws', async () => {
    const { page } = demo();
    const origin = new URL(page.url()).origin;
    const path = '/csp-no-wasm.html';
    // A page of the same origin whose policy allows its scripts but not compiling WebAssembly.
    await page.route(`${origin}${path}`, (route) => route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/html', 'content-security-policy': "script-src 'self'", 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
      body: '<!doctype html><title>no wasm</title>',
    }));
    try {
      await page.goto(`${origin}${path}`);
      // Module imports are scripts from 'self': allowed; WebAssembly compilation is not.
      await page.evaluate(`Promise.all([import(${JSON.stringify(`/@fs${join(ROOT, 'src/preprocess/resample.ts')}`)}), import(${JSON.stringify(`/@fs${join(ROOT, 'src/preprocess/resample-wasm.ts')}`)})]).then(([rs, rw]) => { window.rs = rs; window.rw = rw; })`);
      const wasmBlocked = await page.evaluate(() => {
        try {
          new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
          return false;
        } catch {
          return true;
        }
      });
      expect(wasmBlocked).toBe(true);
      const out = await page.evaluate(compareInPage, photoNames()[0]!);
      expect(out.available).toBe(false);
      for (const [mode, r] of Object.entries(out.modes)) {
        expect(r.equal, mode).toBe(true);
        expect(r.bytes).toBeGreaterThan(0);
      }
    } finally {
      await page.unroute(`${origin}${path}`);
    }
    // The demo page again, for whatever runs after.
    await page.goBack();
  });
});
