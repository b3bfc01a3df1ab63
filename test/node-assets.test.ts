import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { contentType, listAssets } from '../src/node/assets.js';
import { main } from '../src/node/cli.js';

describe('listAssets (what the Vite plugin and copy-assets serve)', () => {
  it('by default: both engines\' wasm and each engine\'s default model, nothing unused', () => {
    const paths = listAssets().map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('wasm/'))).toEqual([
      'wasm/ort/ort-wasm-simd-threaded.asyncify.mjs', 'wasm/ort/ort-wasm-simd-threaded.asyncify.wasm',
      'wasm/ort/ort-wasm-simd-threaded.mjs', 'wasm/ort/ort-wasm-simd-threaded.wasm',
      'wasm/tfjs/tfjs-backend-wasm-simd.wasm', 'wasm/tfjs/tfjs-backend-wasm.wasm',
    ]);
    expect(paths).toContain('models/nsfw-mobilenet-v2/manifest.json');
    expect(paths).toContain('models/nsfw-mobilenet-v2-onnx/model.onnx');
  });

  it('one engine: only its wasm and its default model', () => {
    const paths = listAssets({ engines: ['tfjs'] }).map((f) => f.path);
    expect(paths.some((p) => p.startsWith('wasm/ort/') || p.includes('-onnx/'))).toBe(false);
    expect(paths).toContain('models/nsfw-mobilenet-v2/model.json');
  });

  it('explicit models replace the defaults', () => {
    const models = new Set(listAssets({ engines: ['ort'], models: ['nsfw-mobilenet-v2-mid-onnx'] }).filter((f) => f.path.startsWith('models/')).map((f) => f.path.split('/')[1]));
    expect([...models]).toEqual(['nsfw-mobilenet-v2-mid-onnx']);
  });

  it('the uint8-weights variant of the ONNX twin ships and can be served', () => {
    const paths = listAssets({ engines: ['ort'], models: ['nsfw-mobilenet-v2-onnx-uint8'] }).filter((f) => f.path.startsWith('models/')).map((f) => f.path);
    expect(paths).toEqual(['models/nsfw-mobilenet-v2-onnx-uint8/labels.txt', 'models/nsfw-mobilenet-v2-onnx-uint8/manifest.json', 'models/nsfw-mobilenet-v2-onnx-uint8/model.onnx']);
  });

  it('an unknown engine or model is an error naming what exists', () => {
    expect(() => listAssets({ engines: ['cuda' as 'ort'] })).toThrow(/unknown engine "cuda"/);
    expect(() => listAssets({ models: ['resnet'] })).toThrow(/no model "resnet" .*have: .*nsfw-mobilenet-v2/);
    expect(() => listAssets({ models: ['../../etc'] })).toThrow(/no model/);
  });

  it('serves wasm as application/wasm (needed for streaming compilation)', () => {
    expect(contentType('wasm/ort/x.wasm')).toBe('application/wasm');
    expect(contentType('wasm/ort/x.mjs')).toBe('text/javascript');
    expect(contentType('models/m/group1-shard1of1.bin')).toBe('application/octet-stream');
  });
});

describe('inpage-classifier CLI', () => {
  it('copy-assets copies the listed files into the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'copy-assets-'));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(main(['copy-assets', dir, '--engines', 'tfjs'])).toBe(0);
      expect(readdirSync(join(dir, 'wasm'))).toEqual(['tfjs']);
      expect(readdirSync(join(dir, 'models'))).toEqual(['nsfw-mobilenet-v2']);
      expect(log.mock.calls[0]![0]).toMatch(/copied \d+ files/);
    } finally {
      log.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('usage errors say what is expected', () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(main([])).toBe(2);
      expect(main(['frobnicate'])).toBe(2);
      expect(err.mock.calls[1]![0]).toMatch(/unknown command "frobnicate"[\s\S]*usage: inpage-classifier copy-assets/);
      expect(() => main(['copy-assets'])).toThrow(/needs a target folder/);
      expect(() => main(['copy-assets', 'x', '--engines'])).toThrow(/--engines needs a comma-separated list/);
    } finally {
      err.mockRestore();
    }
  });
});
