/**
 * Backend choice explains itself: without WebGPU the chain falls back and
 * records why; with the emulated (SwiftShader) GPUs Chromium exposes
 * headless, 'auto' reports them as software and prefers WASM.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type BrowserSession, openDemo } from './helpers/browser.js';
import { createInPage } from './helpers/page-api.js';

const MODEL = '/models/nsfw-mobilenet-v2/manifest.json';
let session: BrowserSession | undefined;
afterEach(async () => {
  expect(session?.blocked ?? [], 'non-localhost requests').toEqual([]);
  await session?.close();
  session = undefined;
});

describe('fallback chain', () => {
  test('WebGPU unavailable (no --enable-unsafe-webgpu): falls back to the next backend and says why', async () => {
    session = await openDemo({ webgpu: false });
    const info = await createInPage(session.page, { model: MODEL, backends: ['webgpu', 'wasm'] });
    expect(info.backend).toBe('wasm');
    expect(info.fallbacks).toHaveLength(1);
    expect(info.fallbacks[0]!.backend).toBe('webgpu');
    expect(info.fallbacks[0]!.reason).toMatch(/navigator\.gpu unavailable|requestAdapter|adapter/);
    const webgpu = info.capabilities.find((c) => c.backend === 'webgpu')!;
    expect(webgpu.available).toBe(false);
  });

  test("'auto' recognises the emulated GPUs, ranks them after WASM and reports the fallback adapter", async () => {
    session = await openDemo({ webgpu: true });
    const info = await createInPage(session.page, { model: MODEL });
    expect(info.backend).toBe('wasm');
    const webgpu = info.capabilities.find((c) => c.backend === 'webgpu')!;
    const webgl = info.capabilities.find((c) => c.backend === 'webgl')!;
    expect(webgpu).toMatchObject({ available: true, kind: 'software' });
    expect(info.adapter?.isFallbackAdapter).toBe(true);
    expect(webgl).toMatchObject({ available: true, kind: 'software' });
    expect(webgl.description).toMatch(/swiftshader/i);
    // Each GPU that was not used is listed with the reason.
    expect(info.fallbacks.map((f) => f.backend).sort()).toEqual(['webgl', 'webgpu']);
    for (const f of info.fallbacks) expect(f.reason).toMatch(/emulated GPU/);
  });

  test('an explicit list is kept exactly: webgpu means webgpu even when emulated', async () => {
    session = await openDemo({ webgpu: true });
    const info = await createInPage(session.page, { model: MODEL, backends: ['webgpu'] });
    expect(info.backend).toBe('webgpu');
    expect(info.fallbacks).toEqual([]);
  });

  test('no backend works: NO_BACKEND lists every reason', async () => {
    session = await openDemo({ webgpu: false });
    await expect(createInPage(session.page, { model: MODEL, backends: ['webgpu'] })).rejects.toThrow(/NO_BACKEND: .*webgpu: /);
  });
});
