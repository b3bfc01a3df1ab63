/**
 * The demo page as a person uses it (issue 6): it loads the default model by
 * itself and shows the backend badge; picked and dropped photos get cards with
 * labelled bars and the server model's top-1, a bad file gets a friendly
 * message on its own card while the others classify; every backend can be
 * picked; your own model loads from a URL, from picked files, or from a picked
 * folder (its manifest.json, or a raw Hugging Face download through the
 * adapters); the camera is classified live.
 * Screenshots (desktop and 375 px wide) go to e2e/screenshots/.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, SHARED_DATA, SKIP_NO_DATA } from './helpers/data.js';
import { clearlyLabelledImages, type LabelledImage } from './helpers/server-labels.js';

const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

type Cards = Record<string, { top1?: string; error?: string; bars: number; text: string }>;

async function cards(page: Page): Promise<Cards> {
  const list = await page.$$eval('.card', (els) => els.map((e) => {
    const el = e as HTMLElement;
    return { file: el.dataset.file!, top1: el.dataset.top1, error: el.dataset.error, bars: e.querySelectorAll('.bar').length, text: el.textContent ?? '' };
  }));
  return Object.fromEntries(list.map(({ file, ...rest }) => [file, rest]));
}

/** Waits until `n` cards show a result or an error. */
async function settled(page: Page, n: number): Promise<Cards> {
  await page.waitForFunction((count) => document.querySelectorAll('.card[data-top1], .card[data-error]').length >= count, n, { timeout: 180_000 });
  return cards(page);
}

async function clearCards(page: Page): Promise<void> {
  await page.evaluate(() => document.getElementById('results')!.replaceChildren());
}

describe.skipIf(!hasSharedData)(`demo page (${hasSharedData ? 'Chromium' : SKIP_NO_DATA})`, () => {
  // A fake camera (a generated test pattern) and no permission prompt.
  const demo = useDemoSession({ query: '/', args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
  let images: LabelledImage[];
  const expected = () => Object.fromEntries(images.map((i) => [i.name, i.label]));

  beforeAll(async () => {
    images = await clearlyLabelledImages();
  });

  it('loads the default model by itself and says which backend runs and why', async () => {
    const { page } = demo();
    await expect.poll(() => page.textContent('#badge'), { timeout: 120_000 }).toMatch(/^tfjs · wasm/);
    expect(await page.$$eval('#fallbacks li', (els) => els.map((e) => e.textContent).join('\n'))).toMatch(/webgpu .*emulated GPU|webgl .*emulated GPU/);
    expect(await page.getAttribute('#badge', 'title')).toMatch(/wasm: cpu, SIMD/);
    // The default placement ('auto'): off the main thread, and the demo says so.
    expect(await page.getAttribute('#badge', 'title')).toMatch(/^runs in a Web Worker: worker 'auto'/);
    expect(await page.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).value)).toBe(1);
  });

  it('keyboard and screen readers: every control has a name and is reached with Tab', async () => {
    const { page } = demo();
    const unnamed = await page.$$eval('input, select, button', (els) => els
      .filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || e.textContent?.trim()))
      .map((e) => e.id || e.outerHTML.slice(0, 60)));
    expect(unnamed).toEqual([]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const reached = new Set<string>();
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      reached.add(await page.evaluate(() => document.activeElement?.id ?? ''));
    }
    for (const id of ['model', 'backend', 'own-model-url', 'own-model-files', 'file', 'camera']) expect(reached, id).toContain(id);
  });

  it('picked files: one card each with bars and the server model\'s top-1; a bad file gets a friendly message', async () => {
    const { page } = demo();
    await page.setInputFiles('#file', [...images.map((i) => i.path), join(SHARED_DATA, 'bad', 'text_file_renamed.jpg')]);
    const shown = await settled(page, images.length + 1);
    for (const image of images) expect(shown[image.name], image.name).toMatchObject({ top1: image.label, bars: 3 });
    expect(shown['text_file_renamed.jpg']).toMatchObject({ error: 'UNSUPPORTED_INPUT', bars: 0 });
    expect(shown['text_file_renamed.jpg']!.text).toContain('not an image this page can read');
    expect(await page.textContent('#stats')).toMatch(/\d+ inferences · cache \d+ hits \/ \d+ misses \(\d+ kept, \d+ % hit rate\) · p95 \d+ ms per call \(inference p95 \d+ ms\) · errors: UNSUPPORTED_INPUT 1$/);
    expect(await page.$eval('.card .timings', (e) => e.textContent)).toMatch(/decode \d+ ms · preprocess \d+ ms · inference \d+ ms · total \d+ ms/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(SCREENSHOTS, 'demo-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 720 });
  });

  it('dropped files classify the same (drop event with a DataTransfer)', async () => {
    const { page } = demo();
    await clearCards(page);
    await page.evaluate(async (names) => {
      const dt = new DataTransfer();
      for (const path of names) {
        const blob = await (await fetch(`/shared-data/photos/${path}`)).blob();
        dt.items.add(new File([blob], path.split('/').pop()!, { type: blob.type }));
      }
      document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, images.map((i) => i.path.slice(i.path.indexOf('/photos/') + '/photos/'.length)));
    const shown = await settled(page, images.length);
    expect(Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, v.top1]))).toEqual(expected());
  });

  it('a pasted image classifies like a picked one', async () => {
    const { page } = demo();
    await clearCards(page);
    const path = images[0]!.path.slice(images[0]!.path.indexOf('/photos/') + '/photos/'.length);
    await page.evaluate(async (p) => {
      const blob = await (await fetch(`/shared-data/photos/${p}`)).blob();
      const dt = new DataTransfer();
      dt.items.add(new File([blob], p.split('/').pop()!, { type: blob.type }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
    }, path);
    const shown = await settled(page, 1);
    expect(shown[images[0]!.name]).toMatchObject({ top1: images[0]!.label });
  });

  it.each(['webgl', 'webgpu', 'wasm'])('the backend picker switches to %s and classification follows', async (backend) => {
    const { page } = demo();
    await clearCards(page);
    await page.selectOption('#backend', backend);
    await expect.poll(() => page.textContent('#badge'), { timeout: 180_000 }).toMatch(new RegExp(`^tfjs · ${backend}`));
    await page.setInputFiles('#file', [images[0]!.path]);
    const shown = await settled(page, 1);
    expect(shown[images[0]!.name]).toMatchObject({ top1: images[0]!.label });
    expect(shown[images[0]!.name]!.text).toContain(`tfjs/${backend}`);
  });

  it('your own model: a manifest URL in the form loads it', async () => {
    const { page } = demo();
    await page.fill('#own-model-url', '/models/nsfw-mobilenet-v2-onnx/manifest.json');
    await page.click('#own-model button[type=submit]');
    await expect.poll(() => page.textContent('#badge'), { timeout: 120_000 }).toMatch(/^ort · wasm/);
    expect(await page.$eval('#model', (s) => (s as HTMLSelectElement).value)).toBe('/models/nsfw-mobilenet-v2-onnx/manifest.json');
  });

  it('your own model from disk: picked manifest + files load from the cache, never the network', async () => {
    const { page } = demo();
    const dir = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-mid-onnx');
    const requested: string[] = [];
    const onRequest = (r: { url(): string }) => requested.push(r.url());
    page.on('request', onRequest);
    await page.setInputFiles('#own-model-files', ['manifest.json', 'model.onnx', 'labels.txt'].map((f) => join(dir, f)));
    await expect.poll(() => page.$eval('#model', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent), { timeout: 30_000 }).toContain('from disk');
    await expect.poll(async () => `${await page.textContent('#badge')} ${await page.getAttribute('#badge', 'title')}`, { timeout: 120_000 }).toMatch(/^ort · wasm/);
    page.off('request', onRequest);
    expect(requested.filter((u) => u.includes('__local-models__'))).toEqual([]);
    await clearCards(page);
    await page.setInputFiles('#file', [images[0]!.path]);
    const shown = await settled(page, 1);
    expect(shown[images[0]!.name]!.text).toContain('ort/wasm');

    // The files can be dropped on the form too (here the tfjs default model's four files).
    await page.evaluate(async () => {
      const dt = new DataTransfer();
      for (const name of ['manifest.json', 'model.json', 'group1-shard1of1.bin', 'labels.txt']) {
        dt.items.add(new File([await (await fetch(`/models/nsfw-mobilenet-v2/${name}`)).blob()], name));
      }
      document.getElementById('own-model')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.$eval('#model', (s) => (s as HTMLSelectElement).value), { timeout: 30_000 }).toBe('local:nsfw-mobilenet-v2@4.4.0');
    await expect.poll(() => page.textContent('#badge'), { timeout: 120_000 }).toMatch(/^tfjs · wasm/);
  });

  it('your own model, a picked folder: manifest.json is taken by name next to other JSON files', async () => {
    const { page } = demo();
    const src = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-mid-onnx');
    const dir = mkdtempSync(join(tmpdir(), 'demo-own-model-'));
    try {
      const folder = join(dir, 'my-model');
      mkdirSync(join(folder, 'extras'), { recursive: true });
      for (const f of ['manifest.json', 'model.onnx', 'labels.txt']) copyFileSync(join(src, f), join(folder, f));
      // Decoys the old "first .json" rule picked: sorted before manifest.json, and one below it.
      writeFileSync(join(folder, 'emotion.json'), JSON.stringify({ labels: ['happy', 'sad'] }));
      writeFileSync(join(folder, 'config.json'), JSON.stringify({ threshold: 0.5 }));
      writeFileSync(join(folder, 'extras', 'manifest.json'), '{"not":"this one"}');
      await page.setInputFiles('#own-model-folder', folder);
      await expect.poll(() => page.$eval('#model', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent), { timeout: 30_000 }).toMatch(/^Your model: nsfw-mobilenet-v2-mid-onnx \(from disk\)$/);
      await expect.poll(async () => `${await page.textContent('#badge')} ${await page.getAttribute('#badge', 'title')}`, { timeout: 120_000 }).toMatch(/^ort · wasm/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('your own model, a picked Hugging Face folder: the adapters make its manifest, the demo hashes the files, a photo classifies', async () => {
    const { page } = demo();
    const dir = mkdtempSync(join(tmpdir(), 'demo-hf-'));
    try {
      const folder = join(dir, 'mobilenet-hf');
      mkdirSync(join(folder, 'onnx'), { recursive: true });
      const labels = readFileSync(join(SHARED_DATA, 'labels', 'imagenet_classes.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
      writeFileSync(join(folder, 'config.json'), JSON.stringify({ architectures: ['MobileNetV2ForImageClassification'], model_type: 'mobilenet_v2', id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])) }));
      writeFileSync(join(folder, 'preprocessor_config.json'), JSON.stringify({
        image_processor_type: 'MobileNetV2ImageProcessor', do_resize: true, size: { shortest_edge: 256 }, resample: 2, do_center_crop: true,
        crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
      }));
      // Without the model: the error names it by its path in the folder.
      await page.setInputFiles('#own-model-folder', folder);
      await expect.poll(() => page.getAttribute('#badge', 'title'), { timeout: 30_000 }).toMatch(/missing a file: onnx\/model\.onnx/);
      expect(await page.textContent('#badge')).toBe('failed: model files');

      copyFileSync(join(SHARED_DATA, 'models', 'mobilenetv2-12-int8-dequantized-fp32.onnx'), join(folder, 'onnx', 'model.onnx'));
      await page.setInputFiles('#own-model-folder', folder);
      await expect.poll(() => page.$eval('#model', (s) => (s as HTMLSelectElement).selectedOptions[0]!.textContent), { timeout: 60_000 }).toMatch(/huggingface folder/);
      await expect.poll(async () => `${await page.textContent('#badge')} ${await page.getAttribute('#badge', 'title')}`, { timeout: 120_000 }).toMatch(/^ort · wasm/);
      const manifest = await page.evaluate(() => window.demoClassifier!.manifest);
      expect(Object.keys(manifest.sha256)).toHaveLength(1); // hashed by the demo, verified by the library
      expect(manifest.unverified).toBeUndefined();
      await clearCards(page);
      await page.setInputFiles('#file', [join(SHARED_DATA, 'photos', 'cat_chelsea.png')]);
      const shown = await settled(page, 1);
      expect(['tabby', 'tiger cat', 'Egyptian cat', 'Persian cat', 'Siamese cat']).toContain(shown['cat_chelsea.png']!.top1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the camera: live frames are classified until stopped', async () => {
    const { page } = demo();
    await clearCards(page);
    await page.click('#camera');
    await page.waitForSelector('.card[data-file="camera"][data-top1]', { timeout: 60_000 });
    const runs = async () => Number(/^(\d+) inferences/.exec((await page.textContent('#stats')) ?? '')?.[1]);
    const before = await runs();
    await expect.poll(runs, { timeout: 30_000 }).toBeGreaterThan(before);
    // Driven by classifyStream: each answer says how many frames were dropped while the model was busy.
    expect(await page.getAttribute('.card[data-file="camera"]', 'data-dropped')).toMatch(/^\d+$/);
    expect(await page.getAttribute('#camera', 'aria-pressed')).toBe('true');
    await page.click('#camera');
    expect(await page.getAttribute('#camera', 'aria-pressed')).toBe('false');
    expect(await page.$eval('.card[data-file="camera"] video', (v) => ((v as HTMLVideoElement).srcObject as MediaStream).getTracks().every((t) => t.readyState === 'ended'))).toBe(true);
  });
});
