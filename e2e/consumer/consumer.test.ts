/**
 * Issue 9: the package works inside someone else's app. A fresh Vite app in a
 * temp folder installs the `npm pack` tarball (not the repo's sources), then:
 * type-checks with `tsc --strict`, builds, and classifies real photos in
 * Chromium from `vite preview` (COOP/COEP, so WASM threads) and from a plain
 * static host (no headers, no rewrites); importing it in Node (SSR) has no side
 * effects; an ONNX-only build carries no TensorFlow.js and vice versa; the
 * copy-assets CLI lays out the files the library fetches.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchLocalBrowser } from '../../tools/browser/launch.js';
import { startVitePreview } from '../../tools/browser/vite-preview.js';
import { createFixture, type Fixture, packLibrary } from '../../tools/consumer/fixture.js';
import { serveStatic } from '../../tools/consumer/static-server.js';
import { hasSharedData, SKIP_NO_DATA } from '../helpers/data.js';
import { clearlyLabelledImages } from '../helpers/server-labels.js';

const SETUP_TIMEOUT = 600_000;

interface PageRun { backend: string; engine: string; worker: boolean; threads: number; wasm: string; top1: Record<string, string> }

/** engine/backend, and where it ran. */
const where = (r: PageRun) => `${r.engine}/${r.backend}${r.worker ? ' in a worker' : ''}`;
const ALL_RUNS = ['tfjs/wasm', 'ort/wasm', 'tfjs/wasm in a worker', 'ort/wasm in a worker'];

/** Opens the app with non-localhost requests blocked and returns what it printed. */
async function classifyIn(url: string): Promise<{ runs: PageRun[]; headers: Record<string, string>; blocked: string[]; violations: string[] }> {
  const local = await launchLocalBrowser(false);
  try {
    const page = await local.context.newPage();
    const errors: string[] = [];
    const violations: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // CSP violations show up as console errors ("Refused to …").
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    const response = await page.goto(url);
    await page.waitForSelector('#out[data-done]', { timeout: 120_000 }).catch((e: Error) => {
      throw new Error(`${e.message}; page errors: ${errors.join(' | ')}`);
    });
    const runs = JSON.parse((await page.textContent('#out'))!) as PageRun[];
    return { runs, headers: response!.headers(), blocked: local.blocked, violations };
  } finally {
    await local.close();
  }
}

describe.skipIf(!hasSharedData)(`consumer app from the packed tarball (${hasSharedData ? 'real photos' : SKIP_NO_DATA})`, () => {
  let fixture: Fixture;
  let images: { name: string; path: string; label: string }[];
  let packDir: string;
  let typecheck: string;

  beforeAll(async () => {
    images = await clearlyLabelledImages();
    packDir = mkdtempSync(join(tmpdir(), 'inpage-pack-'));
    fixture = createFixture(packLibrary(packDir), images);
    typecheck = fixture.run('npx', ['tsc', '-p', '.']);
    fixture.build('inpage-classifier', 'dist');
  }, SETUP_TIMEOUT);

  afterAll(() => {
    for (const dir of [fixture?.dir, packDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('picks test images with distinct server labels', () => {
    expect(images.length, `server top-1 labels: ${images.map((i) => `${i.name}=${i.label}`).join(', ')}`).toBeGreaterThanOrEqual(2);
  });

  it('type-checks under tsc --strict', () => {
    expect(typecheck.trim()).toBe('');
  });

  it('vite build + vite preview (COOP/COEP): both engines classify like the server model on WASM, in the page and in a worker, ORT with threads', async () => {
    const preview = await startVitePreview(fixture.dir);
    try {
      const { runs, headers, blocked } = await classifyIn(preview.url);
      expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
      expect(runs.map(where)).toEqual(ALL_RUNS);
      for (const run of runs) expect(run.top1, where(run)).toEqual(Object.fromEntries(images.map((i) => [i.name, i.label])));
      expect(runs[1]!.threads, runs[1]!.wasm).toBeGreaterThan(1);
      // The worker inherits the page's cross-origin isolation: ORT has its threads there too.
      expect(runs[3]!.threads, runs[3]!.wasm).toBeGreaterThan(1);
      // tfjs's wasm backend is run single-threaded on purpose (tfjs#8513, #4107), and says so.
      expect(runs[0]!.threads).toBe(1);
      expect(runs[0]!.wasm).toContain('tfjs#8513');
      expect(blocked).toEqual([]);
    } finally {
      preview.stop();
    }
  });

  it('a plain static host (no rewrites, no COOP/COEP): still classifies, and says threads are off and why', async () => {
    const host = await serveStatic(join(fixture.dir, 'dist'));
    try {
      const { runs, headers, blocked } = await classifyIn(host.url);
      expect(headers['cross-origin-embedder-policy']).toBeUndefined();
      expect(runs.map(where)).toEqual(ALL_RUNS);
      for (const run of runs) {
        expect(run.threads).toBe(1);
        expect(run.wasm).toContain('not cross-origin isolated');
        expect(run.top1, where(run)).toEqual(Object.fromEntries(images.map((i) => [i.name, i.label])));
      }
      expect(blocked).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('strict CSP (script-src \'self\' \'wasm-unsafe-eval\', no eval): both engines still classify, in the page and in a worker, ORT with threads', async () => {
    const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
    const host = await serveStatic(join(fixture.dir, 'dist'), {
      'Content-Security-Policy': csp,
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    });
    try {
      const { runs, headers, blocked, violations } = await classifyIn(host.url);
      expect(headers['content-security-policy']).toBe(csp);
      expect(violations).toEqual([]);
      expect(runs.map(where)).toEqual(ALL_RUNS);
      for (const run of runs) expect(run.top1, where(run)).toEqual(Object.fromEntries(images.map((i) => [i.name, i.label])));
      expect(runs[1]!.threads).toBeGreaterThan(1);
      expect(runs[3]!.threads).toBeGreaterThan(1);
      expect(blocked).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('SSR: importing every entry point in Node has no side effects; createClassifier rejects with UNSUPPORTED_ENVIRONMENT', () => {
    const script = `
      const entries = ['inpage-classifier', 'inpage-classifier/onnx', 'inpage-classifier/tfjs'];
      const out = {};
      for (const e of entries) {
        const m = await import(e);
        try { await m.createClassifier(); out[e] = 'resolved'; }
        catch (err) { out[e] = { code: err.code, environment: err.details?.environment, isClassifierError: m.isClassifierError(err) }; }
      }
      out.globals = { window: typeof window, document: typeof document };
      console.log(JSON.stringify(out));`;
    const out = JSON.parse(fixture.run('node', ['--input-type=module', '-e', script]).trim()) as Record<string, unknown>;
    const rejected = { code: 'UNSUPPORTED_ENVIRONMENT', environment: 'server', isClassifierError: true };
    expect(out).toEqual({ 'inpage-classifier': rejected, 'inpage-classifier/onnx': rejected, 'inpage-classifier/tfjs': rejected, globals: { window: 'undefined', document: 'undefined' } });
  });

  it('an ONNX-only app bundles no TensorFlow.js, a tfjs-only app no onnxruntime-web', () => {
    const code = (outDir: string) =>
      fixture.build(outDir === 'dist-onnx' ? 'inpage-classifier/onnx' : 'inpage-classifier/tfjs', outDir)
        .filter((f) => f.file.endsWith('.js'))
        .map((f) => readFileSync(join(fixture.dir, outDir, f.file), 'utf8'))
        .join('\n');
    const onnxOnly = code('dist-onnx');
    expect(onnxOnly).toContain('onnxruntime');
    expect(onnxOnly).not.toMatch(/tfjs-core|registerKernel|tfjs-backend/);
    expect(existsSync(join(fixture.dir, 'dist-onnx', 'wasm', 'tfjs'))).toBe(false);
    const tfjsOnly = code('dist-tfjs');
    expect(tfjsOnly).toMatch(/tfjs-core|registerKernel/);
    expect(tfjsOnly).not.toContain('onnxruntime');
    expect(existsSync(join(fixture.dir, 'dist-tfjs', 'wasm', 'ort'))).toBe(false);
  });

  it('npx inpage-classifier copy-assets lays out wasm/ and models/ as the library expects', () => {
    const out = join(fixture.dir, 'copied');
    fixture.run('npx', ['inpage-classifier', 'copy-assets', out, '--engines', 'ort']);
    expect(readdirSync(join(out, 'wasm', 'ort')).sort()).toEqual([
      'ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm',
    ]);
    expect(readdirSync(join(out, 'models'))).toEqual(['nsfw-mobilenet-v2-onnx']);
    expect(existsSync(join(out, 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json'))).toBe(true);
    expect(() => fixture.run('npx', ['inpage-classifier', 'copy-assets'])).toThrow(/needs a target folder/);
  });
});
