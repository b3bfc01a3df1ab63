/**
 * Issue 9: when the app serves the wrong thing where a wasm binary should be
 * (its index.html for an unknown path, a Git LFS pointer, a 404), the error
 * says exactly that and names the URL, instead of the runtimes' "expected
 * magic word 00 61 73 6d, found 3c 21 44 4f". A fresh page per case: a
 * runtime whose wasm failed to start stays failed for the page's lifetime.
 * (Model files that are HTML or LFS pointers: e2e/bad-inputs.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { openDemo } from './helpers/browser.js';
import { createInPage } from './helpers/page-api.js';

const HTML = '<!doctype html><html><head><title>My app</title></head><body><div id="root"></div></body></html>';
const LFS = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n';

interface Case {
  name: string;
  model: string;
  file: string;
  reply: { status: number; contentType: string; body: string };
  expected: RegExp;
}

const cases: Case[] = [
  {
    name: 'ORT wasm binary answered with the app\'s index.html',
    model: '/models/nsfw-mobilenet-v2-onnx/manifest.json',
    file: '**/wasm/ort/ort-wasm-simd-threaded.wasm',
    reply: { status: 200, contentType: 'text/html', body: HTML },
    expected: /NO_BACKEND: .*wasm\/ort\/ort-wasm-simd-threaded\.wasm is an HTML page .*copy-assets.*options\.wasm\.paths\.ort/,
  },
  {
    name: 'tfjs wasm binary is a Git LFS pointer',
    model: '/models/nsfw-mobilenet-v2/manifest.json',
    file: '**/wasm/tfjs/tfjs-backend-wasm-simd.wasm',
    reply: { status: 200, contentType: 'application/octet-stream', body: LFS },
    expected: /NO_BACKEND: .*wasm\/tfjs\/tfjs-backend-wasm-simd\.wasm is a Git LFS pointer.*options\.wasm\.paths\.tfjs/,
  },
  {
    name: 'ORT wasm binary missing (404)',
    model: '/models/nsfw-mobilenet-v2-onnx/manifest.json',
    file: '**/wasm/ort/ort-wasm-simd-threaded.wasm',
    reply: { status: 404, contentType: 'text/plain', body: 'Not found' },
    expected: /NO_BACKEND: .*wasm\/ort\/ort-wasm-simd-threaded\.wasm answered HTTP 404/,
  },
];

describe('wrong content at a wasm URL', () => {
  for (const c of cases) {
    it(`${c.name}: the error says what was served and where`, async () => {
      const session = await openDemo({ webgpu: false });
      try {
        await session.page.route(c.file, (route) => route.fulfill(c.reply));
        await expect(createInPage(session.page, { model: c.model, backends: ['wasm'] })).rejects.toThrow(c.expected);
        expect(session.blocked).toEqual([]);
      } finally {
        await session.close();
      }
    });
  }
});
