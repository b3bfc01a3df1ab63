/**
 * Issue 15: what loadModel says when a file is missing (named before any
 * hash), and how model URLs that are not a manifest are treated: a folder
 * loads its manifest.json, a raw Hugging Face / Teachable Machine folder is
 * refused without `integrity: 'none'` (naming `pack`), a bare .onnx or a
 * config.json says what it is. fetch is a fake serving an in-memory site.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClassifierError } from '../src/errors.js';
import { fetchVerified } from '../src/manifest/fetch.js';
import { loadModel } from '../src/manifest/load.js';
import { hasSharedData, ONNX_MODEL_FILE, readShared } from '../tools/shared-data.js';

const ORIGIN = 'http://localhost/';
const HTML = '<!doctype html><html><body><div id="app"></div></body></html>';
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const MODEL = new Uint8Array([8, 7, 18, 4, 116, 101, 115, 116, 1, 2, 3, 4]); // starts like an ONNX protobuf

type Reply = { status?: number; type?: string; body: string | Uint8Array };
let site: Record<string, Reply>;
/** What the fake server does with an unknown path: a 404, or the dev server's index.html. */
let unknown: 'html' | '404';
let requested: string[];

function manifestFor(files: Record<string, Uint8Array>, extra: Record<string, unknown> = {}) {
  return {
    name: 'tiny', version: '1', format: 'onnx', files: { model: 'model.onnx' },
    sha256: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, sha(v)])),
    input: { size: [4, 4], layout: 'NCHW', resize: { mode: 'stretch' } },
    output: { activation: 'softmax' }, labels: ['a', 'b'], ...extra,
  };
}

beforeEach(() => {
  site = {};
  unknown = 'html';
  requested = [];
  vi.stubGlobal('fetch', async (input: string) => {
    const url = new URL(input);
    requested.push(url.pathname);
    const reply = site[url.pathname] ?? (unknown === 'html' ? { body: HTML, type: 'text/html' } : { status: 404, body: 'Not Found', type: 'text/plain' });
    return new Response(reply.body as BodyInit, { status: reply.status ?? 200, headers: { 'content-type': reply.type ?? 'application/octet-stream' } });
  });
});
afterEach(() => vi.unstubAllGlobals());

const load = (model: string, integrity: 'sha256' | 'none' = 'sha256') => loadModel(model, { baseUrl: ORIGIN, cacheName: null, onProgress: () => {}, integrity });
async function failure(p: Promise<unknown>): Promise<ClassifierError> {
  const error = await p.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClassifierError);
  return error as ClassifierError;
}

describe('a missing file is named before any hash', () => {
  const req = (url: string, expected = sha(MODEL)) => fetchVerified({ url, sha256: expected, cache: null, onBytes: () => {} });

  it('an HTML answer (index.html fallback): MODEL_LOAD_FAILED naming the URL, HTTP status and type', async () => {
    const e = await failure(req(`${ORIGIN}models/x/model.onnx`));
    expect(e.code).toBe('MODEL_LOAD_FAILED');
    expect(e.message).toBe('http://localhost/models/x/model.onnx returned an HTML page (HTTP 200, text/html): the file is missing there or the server rewrites unknown paths to index.html.');
    expect(e.message).not.toMatch(/sha256/);
  });

  it('a Git LFS pointer and an empty body: MODEL_LOAD_FAILED, not MODEL_INTEGRITY', async () => {
    site['/lfs.onnx'] = { body: 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n', type: 'text/plain' };
    site['/empty.onnx'] = { body: new Uint8Array(0) };
    const lfs = await failure(req(`${ORIGIN}lfs.onnx`));
    expect([lfs.code, lfs.message]).toEqual(['MODEL_LOAD_FAILED', expect.stringMatching(/^http:\/\/localhost\/lfs\.onnx returned a Git LFS pointer \(HTTP 200, text\/plain\).*git lfs pull/)]);
    const empty = await failure(req(`${ORIGIN}empty.onnx`));
    expect([empty.code, empty.message]).toEqual(['MODEL_LOAD_FAILED', expect.stringMatching(/empty\.onnx returned an empty body/)]);
  });

  it('a 404: MODEL_LOAD_FAILED naming the file, at once', async () => {
    unknown = '404';
    const e = await failure(req(`${ORIGIN}gone.onnx`));
    expect([e.code, e.message]).toEqual(['MODEL_LOAD_FAILED', 'Could not download http://localhost/gone.onnx: HTTP 404']);
  });

  it('only real bytes that differ are MODEL_INTEGRITY', async () => {
    site['/m.onnx'] = { body: MODEL };
    const e = await failure(req(`${ORIGIN}m.onnx`, sha('something else')));
    expect(e.code).toBe('MODEL_INTEGRITY');
    expect(e.message).toMatch(/m\.onnx does not match the manifest's sha256/);
  });
});

describe('model URLs that are folders', () => {
  const hfFolder = () => {
    site['/hf/config.json'] = { body: JSON.stringify({ architectures: ['MobileNetV2ForImageClassification'], id2label: { 0: 'a', 1: 'b' } }), type: 'application/json' };
    site['/hf/preprocessor_config.json'] = { body: JSON.stringify({ image_mean: [0.5, 0.5, 0.5] }), type: 'application/json' };
    site['/hf/onnx/model.onnx'] = { body: MODEL };
  };

  it.each(['/m/', '/m'])('%s loads <folder>/manifest.json and its files relative to it', async (url) => {
    site['/m/manifest.json'] = { body: JSON.stringify(manifestFor({ 'model.onnx': MODEL })), type: 'application/json' };
    site['/m/model.onnx'] = { body: MODEL };
    const loaded = await load(url);
    expect(loaded.id).toBe('tiny@1');
    expect(loaded.files.get('model.onnx')).toEqual(MODEL);
    expect(loaded.manifest.unverified).toBeUndefined();
  });

  it.each(['html', '404'] as const)('a raw Hugging Face folder (manifest answered by %s): MANIFEST_INVALID naming pack and integrity: none', async (how) => {
    unknown = how;
    hfFolder();
    const e = await failure(load('/hf/'));
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toContain('http://localhost/hf/ has no manifest.json');
    expect(e.message).toContain('Hugging Face model folder');
    expect(e.message).toContain('`npx inpage-classifier pack <folder> --out <dir>`');
    expect(e.message).toContain("integrity: 'none'");
    expect(e.details).toMatchObject({ source: 'huggingface' });
    expect(requested).not.toContain('/hf/onnx/model.onnx'); // nothing downloaded before refusing
  });

  it('a raw Teachable Machine folder is refused the same way', async () => {
    site['/tm/metadata.json'] = { body: JSON.stringify({ tfjsVersion: '1.3.1', labels: ['a', 'b'] }) };
    site['/tm/model.json'] = { body: JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin'] }] }) };
    const e = await failure(load('/tm'));
    expect([e.code, e.message]).toEqual(['MANIFEST_INVALID', expect.stringMatching(/Teachable Machine export.*npx inpage-classifier pack/)]);
  });

  it('a folder with nothing usable: MODEL_LOAD_FAILED naming the manifest URL and what came back', async () => {
    const e = await failure(load('/nothing/'));
    expect(e.code).toBe('MODEL_LOAD_FAILED');
    expect(e.message).toMatch(/^Could not download the manifest http:\/\/localhost\/nothing\/manifest\.json: an HTML page \(HTTP 200, text\/html\)/);
  });

  it('a folder manifest whose model file is missing (index.html answer): MODEL_LOAD_FAILED naming that file', async () => {
    site['/m/manifest.json'] = { body: JSON.stringify(manifestFor({ 'model.onnx': MODEL })), type: 'application/json' };
    const e = await failure(load('/m/'));
    expect([e.code, e.message]).toEqual(['MODEL_LOAD_FAILED', expect.stringMatching(/^http:\/\/localhost\/m\/model\.onnx returned an HTML page/)]);
  });

  it('a bare .onnx URL: MANIFEST_INVALID naming pack', async () => {
    hfFolder();
    const e = await failure(load('/hf/onnx/model.onnx'));
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toMatch(/bare ONNX model: its preprocessing .* not known.*npx inpage-classifier pack/);
    expect(requested).toEqual([]);
  });

  it('config.json as the model URL: says it is a Hugging Face config and how to load it', async () => {
    hfFolder();
    const e = await failure(load('/hf/config.json'));
    expect(e.code).toBe('MANIFEST_INVALID');
    expect(e.message).toMatch(/^http:\/\/localhost\/hf\/config\.json is a Hugging Face config\.json, not an inpage-classifier manifest/);
    expect(e.message).toContain("createClassifier({ model: 'http://localhost/hf/', integrity: 'none' })");
    expect(e.message).toContain('npx inpage-classifier pack');
    expect(e.message).not.toMatch(/field "name"/);
  });

  it("integrity: 'none' with a manifest: sha256 may be missing, files are not checked, the manifest says so", async () => {
    const { sha256: _, ...noHashes } = manifestFor({});
    site['/m/manifest.json'] = { body: JSON.stringify(noHashes), type: 'application/json' };
    site['/m/model.onnx'] = { body: MODEL };
    expect((await failure(load('/m/'))).message).toMatch(/field "sha256" is missing/);
    const loaded = await load('/m/', 'none');
    expect(loaded.files.get('model.onnx')).toEqual(MODEL);
    expect(loaded.manifest.unverified).toMatch(/integrity: 'none'/);
    expect(loaded.manifest.sha256['model.onnx']).toBe(sha(MODEL)); // what was downloaded, for cache keys
  });

  it("integrity: 'none' still refuses an HTML page as a model file", async () => {
    site['/m/manifest.json'] = { body: JSON.stringify(manifestFor({ 'model.onnx': MODEL })), type: 'application/json' };
    const e = await failure(load('/m/', 'none'));
    expect(e.code).toBe('MODEL_LOAD_FAILED');
  });
});

describe.skipIf(!hasSharedData)("integrity: 'none' and a raw Hugging Face folder (the shared MobileNetV2)", () => {
  it('loads through the adapters: manifest from config.json + preprocessor_config.json, files hashed as downloaded', async () => {
    const labels = readShared('labels/imagenet_classes.txt').toString('utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    const model = new Uint8Array(readShared(`models/${ONNX_MODEL_FILE}`));
    site['/hf/config.json'] = { body: JSON.stringify({ architectures: ['MobileNetV2ForImageClassification'], id2label: Object.fromEntries(labels.map((l, i) => [i, l])) }), type: 'application/json' };
    site['/hf/preprocessor_config.json'] = {
      body: JSON.stringify({ do_resize: true, size: { shortest_edge: 256 }, do_center_crop: true, crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }),
      type: 'application/json',
    };
    site['/hf/onnx/model.onnx'] = { body: model };
    const progress: string[] = [];
    const loaded = await loadModel('/hf/', { baseUrl: ORIGIN, cacheName: null, integrity: 'none', onProgress: (p) => progress.push(p.phase) });
    expect(loaded.labels).toHaveLength(1000);
    expect(loaded.labels[281]).toBe('tabby');
    const m = loaded.manifest;
    expect(m).toMatchObject({ format: 'onnx', input: { size: [224, 224], layout: 'NCHW', resize: { mode: 'crop', shorterSide: 256 } } });
    expect(m.input.mean).toEqual([0.485, 0.456, 0.406]);
    // (sha256, not toEqual: a deep compare of 14 MB takes minutes)
    expect(sha(loaded.files.get(m.files.model)!)).toBe(sha(model));
    expect(m.sha256[m.files.model]).toBe(sha(model));
    expect(m.unverified).toMatch(/^Loaded from http:\/\/localhost\/hf\/ \(a Hugging Face model folder.*integrity: 'none'.*npx inpage-classifier pack/);
    expect(requested.filter((p) => p === '/hf/onnx/model.onnx')).toHaveLength(1); // read once, though the adapters inspect it too
    expect(progress).toContain('download');
  });
});

describe('options.integrity', () => {
  it("defaults to 'sha256', takes 'none', refuses anything else naming the option", async () => {
    const { resolveOptions } = await import('../src/resolve-options.js');
    expect(resolveOptions({}).integrity).toBe('sha256');
    expect(resolveOptions({ integrity: 'none' }).integrity).toBe('none');
    expect(() => resolveOptions({ integrity: 'md5' as never })).toThrow(/^options\.integrity must be 'sha256', 'none', got md5$/);
  });
});

describe('an extension-less URL that is not a folder', () => {
  it('still loads the manifest it serves itself (`/api/manifest?v=2`)', async () => {
    site['/api/manifest'] = { body: JSON.stringify(manifestFor({ 'model.onnx': MODEL })), type: 'application/json' };
    site['/api/model.onnx'] = { body: MODEL };
    const loaded = await load('/api/manifest?v=2');
    expect(loaded.id).toBe('tiny@1');
    expect(requested.slice(0, 1)).toEqual(['/api/manifest/manifest.json']);
  });
});
