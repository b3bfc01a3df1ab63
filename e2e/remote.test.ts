/**
 * The remote engine (issue 18 §1) against `npm run serve-model` (onnxruntime-node,
 * tools/serve-model.ts), which speaks Open Inference Protocol V2 and TF Serving
 * REST. The page preprocesses as for local inference and posts the tensor: the
 * answers equal the page's own ORT run on the same tensor (|Δp| ≤ 1e-5, same
 * top-1). A proxy made here sits in front of the server: it adds CORS (the page
 * and the server are different origins), records requests, and on demand
 * answers 404, 500, 429, malformed JSON, a wrong output shape, nothing at all
 * (timeout) or drops the connection (unreachable): each a typed error, and the
 * next call works. `fallback: 'local'` runs in the page when the server is
 * down at start, and takes over (a backendchange from 'remote') when it goes
 * down later.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../tools/serve-model.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, photoNames, SKIP_NO_DATA } from './helpers/data.js';

const MANIFEST_FILE = join(import.meta.dirname, '..', 'public', 'models', 'nsfw-mobilenet-v2-onnx', 'manifest.json');
const MODEL_URL = '/models/nsfw-mobilenet-v2-onnx/manifest.json';

type Mode = 'ok' | '500' | '429-once' | 'malformed' | 'wrong-shape' | 'hang' | 'drop' | '404';

interface Proxy {
  url: string;
  mode: Mode;
  requests: { method: string; path: string; authorization: string | undefined }[];
  /** Each inference request is held this long before it is forwarded (so requests overlap). */
  delayMs: number;
  /** Inference requests being answered now, and the most at once since `peak` was reset. */
  inflight: number;
  peak: number;
  close(): Promise<void>;
}

/** CORS + fault injection in front of the real server. */
async function startProxy(target: string): Promise<Proxy> {
  const state: Proxy = { url: '', mode: 'ok', requests: [], delayMs: 0, inflight: 0, peak: 0, close: async () => {} };
  let served429 = false;
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'content-type, authorization, accept');
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    state.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const inference = req.method === 'POST';
    if (inference) {
      state.inflight++;
      state.peak = Math.max(state.peak, state.inflight);
      res.on('close', () => state.inflight--);
      if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.mode === '500') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"model crashed (injected)"}');
      if (state.mode === '404') return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such model (injected)"}');
      if (state.mode === '429-once' && !served429) {
        served429 = true;
        return res.writeHead(429, { 'retry-after': '0.1' }).end('slow down');
      }
      if (state.mode === 'malformed') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"outputs": [{"data": [0.1, 0.2');
      if (state.mode === 'hang') return; // never answers
      if (state.mode === 'drop') return req.socket.destroy();
    }
    const upstream = await fetch(new URL(req.url ?? '/', target), { method: req.method, body: inference ? Buffer.concat(chunks) : undefined, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' } });
    let text = await upstream.text();
    if (inference && state.mode === 'wrong-shape') {
      const json = JSON.parse(text) as { outputs?: { data: number[] }[]; predictions?: number[][] };
      if (json.outputs) json.outputs[0]!.data = json.outputs[0]!.data.slice(0, 3);
      if (json.predictions) json.predictions = json.predictions.map((p) => p.slice(0, 3));
      text = JSON.stringify(json);
    }
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return state;
}

describe.skipIf(!hasSharedData)(`remote engine (${hasSharedData ? 'serve-model: onnxruntime-node, V2 and TF Serving' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession();
  let modelServer: Awaited<ReturnType<typeof startServer>>;
  let proxy: Proxy;
  const photos = hasSharedData ? photoNames().slice(0, 6) : [];

  beforeAll(async () => {
    modelServer = await startServer(MANIFEST_FILE, 0);
    const port = (modelServer.server.address() as AddressInfo).port;
    proxy = await startProxy(`http://127.0.0.1:${port}`);
    // The page switches the proxy's fault mode between its calls.
    await demo().page.exposeFunction('__setMode', (mode: Mode) => {
      proxy.mode = mode;
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await new Promise((r) => modelServer?.server.close(r));
  });

  /** Remote and local classifiers in the page, the same photos through both (and each remote tensor through the local one). */
  async function compare(protocol: 'v2' | 'tfserving') {
    proxy.mode = 'ok';
    proxy.requests.length = 0;
    return demo().page.evaluate(async ({ protocol, url, model, photos }) => {
      const { createClassifier } = window.inpageClassifier;
      performance.clearResourceTimings();
      // In the page (worker: false): the checks below read the page's resource timings.
      const remote = await createClassifier({ model, remote: { url, protocol, headers: { authorization: 'Bearer test-token' } }, modelCache: false, cache: false, worker: false });
      // Before the local classifier below downloads them: the remote one fetched the manifest, never the weights.
      const weights = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.onnx')).length;
      const manifestFetched = performance.getEntriesByType('resource').some((e) => e.name.endsWith(model));
      const local = await createClassifier({ model, backends: ['wasm'], cache: false, worker: false });
      try {
        const out: { photo: string; remoteTop: number; localTop: number; maxDiff: number; backend: string; engine: string; inferenceMs: number }[] = [];
        for (const photo of photos) {
          const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
          const r = await remote.classify(blob);
          // The same tensor through the page's ORT: remote = local on the same input, up to float rounding.
          const l = await local.classifyTensor(await remote.preprocess(blob));
          out.push({ photo, remoteTop: r.top[0]!.index, localTop: l.top[0]!.index, maxDiff: Math.max(...Array.from(r.scores, (v, i) => Math.abs(v - l.scores[i]!))), backend: r.backend, engine: r.engine, inferenceMs: r.timings.inferenceMs });
        }
        const blobs = await Promise.all(photos.slice(0, 3).map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
        const batch = await remote.classifyBatch(blobs);
        return { out, batchTop: batch.map((b) => b.top[0]!.index), selection: remote.selection, fallbacks: remote.fallbacks, stats: remote.stats(), weights, manifestFetched };
      } finally {
        await remote.dispose();
        await local.dispose();
      }
    }, { protocol, url: proxy.url, model: MODEL_URL, photos });
  }

  for (const protocol of ['v2', 'tfserving'] as const) {
    test(`${protocol}: the same top-1 and |Δp| ≤ 1e-5 as the page's ORT on the same tensor; headers sent; the weights never downloaded`, async () => {
      const r = await compare(protocol);
      for (const o of r.out) {
        expect(o.remoteTop, o.photo).toBe(o.localTop);
        expect(o.maxDiff, o.photo).toBeLessThanOrEqual(1e-5);
        expect([o.backend, o.engine]).toEqual(['remote', 'remote']);
        expect(o.inferenceMs).toBeGreaterThan(0);
      }
      expect(r.batchTop).toEqual(r.out.slice(0, 3).map((o) => o.remoteTop));
      expect(r.weights).toBe(0);
      expect(r.manifestFetched).toBe(true);
      expect(r.fallbacks).toEqual([]);
      const paths = proxy.requests.map((q) => `${q.method} ${q.path}`);
      if (protocol === 'v2') {
        expect(paths[0]).toBe('GET /v2/models/nsfw-mobilenet-v2-onnx');
        expect(paths).toContain('POST /v2/models/nsfw-mobilenet-v2-onnx/infer');
      } else {
        expect(paths[0]).toBe('GET /v1/models/nsfw-mobilenet-v2-onnx');
        expect(paths).toContain('POST /v1/models/nsfw-mobilenet-v2-onnx:predict');
      }
      expect(proxy.requests.every((q) => q.authorization === 'Bearer test-token')).toBe(true);
      // One request for the 3-image batch: warm-up + 6 photos + 1 batch.
      expect(paths.filter((p) => p.startsWith('POST'))).toHaveLength(1 + photos.length + 1);
    });
  }

  test('errors: 404 at start, 500 after retries, malformed JSON, wrong output shape, timeout, abort, each REMOTE_FAILED/ABORTED, and the next call works; 429 is retried', async () => {
    proxy.mode = 'ok';
    const codes = await demo().page.evaluate(async ({ url, model, photo }) => {
      const { createClassifier } = window.inpageClassifier;
      const out: Record<string, { code?: string; message?: string; status?: unknown; attempts?: unknown; ok?: boolean }> = {};
      const fail = (e: unknown) => {
        const err = e as { code?: string; message?: string; details?: { status?: unknown; attempts?: unknown } };
        return { code: err.code, message: err.message, status: err.details?.status, attempts: err.details?.attempts };
      };
      out.unknownModel = await createClassifier({ model, remote: { url, protocol: 'v2', model: 'no-such-model' }, modelCache: false }).then(() => ({ code: 'RESOLVED' }), fail);
      const clf = await createClassifier({ model, remote: { url, protocol: 'v2', timeoutMs: 1500, retries: 2 }, modelCache: false, cache: false });
      const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
      const steps = ['500', 'malformed', 'wrong-shape', 'hang', '404', '429-once'];
      for (const mode of steps) {
        await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode(mode);
        out[mode] = await clf.classify(blob).then(() => ({ ok: true }), fail);
        await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('ok');
        out[`${mode}-next`] = await clf.classify(blob).then(() => ({ ok: true }), fail);
      }
      await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('hang');
      const controller = new AbortController();
      const pending = clf.classify(blob, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      out.abort = await pending.then(() => ({ ok: true }), fail);
      await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('ok');
      out['abort-next'] = await clf.classify(blob).then(() => ({ ok: true }), fail);
      out.stats = { code: JSON.stringify(clf.stats().errors) };
      await clf.dispose();
      return out;
    }, { url: proxy.url, model: MODEL_URL, photo: photos[0]! });
    expect(codes.unknownModel).toMatchObject({ code: 'REMOTE_FAILED', status: 404 });
    expect(codes.unknownModel!.message).toMatch(/HTTP 404 \(no such model or version on the server/);
    expect(codes['500']).toMatchObject({ code: 'REMOTE_FAILED', status: 500, attempts: 3 });
    expect(codes['500']!.message).toMatch(/model crashed \(injected\)/);
    expect(codes.malformed).toMatchObject({ code: 'REMOTE_FAILED' });
    expect(codes.malformed!.message).toMatch(/malformed JSON/);
    expect(codes['wrong-shape']).toMatchObject({ code: 'REMOTE_FAILED' });
    expect(codes['wrong-shape']!.message).toMatch(/answered 3 values for 1 image\(s\); the model has 5 outputs per image/);
    expect(codes.hang).toMatchObject({ code: 'REMOTE_FAILED' });
    expect(codes.hang!.message).toMatch(/no answer within 1500 ms \(remote.timeoutMs\)/);
    expect(codes['404']).toMatchObject({ code: 'REMOTE_FAILED', status: 404 });
    expect(codes['429-once']).toEqual({ ok: true });
    expect(codes.abort).toMatchObject({ code: 'ABORTED' });
    for (const step of ['500', 'malformed', 'wrong-shape', 'hang', '404', '429-once', 'abort']) expect(codes[`${step}-next`], step).toEqual({ ok: true });
    expect(JSON.parse(codes.stats!.code!)).toEqual({ REMOTE_FAILED: 5, ABORTED: 1 });
  }, 120_000);

  test('fallback local: a server down at start runs in the page (reason in fallbacks); one going down later hands over with a backendchange', async () => {
    proxy.mode = 'ok';
    const out = await demo().page.evaluate(async ({ url, model, photo }) => {
      const { createClassifier } = window.inpageClassifier;
      const blob = await (await fetch(`/shared-data/photos/${photo}`)).blob();
      const down = await createClassifier({ model, remote: { url: 'http://127.0.0.1:9/', protocol: 'v2', retries: 0, timeoutMs: 2000, fallback: 'local' }, backends: ['wasm'] });
      const atStart = { backend: down.backend, fallbacks: [...down.fallbacks], top: (await down.classify(blob)).top[0]!.label };
      await down.dispose();
      const clf = await createClassifier({ model, remote: { url, protocol: 'v2', retries: 1, fallback: 'local' }, backends: ['wasm'], cache: false });
      const changes: unknown[] = [];
      clf.addEventListener('backendchange', (e) => changes.push((e as CustomEvent).detail));
      const before = await clf.classify(blob);
      await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('drop');
      const after = await clf.classify(blob);
      await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('ok');
      const result = { atStart, before: [before.backend, before.top[0]!.label], after: [after.backend, after.top[0]!.label], changes, backendChanges: clf.stats().backendChanges.length };
      await clf.dispose();
      return result;
    }, { url: proxy.url, model: MODEL_URL, photo: photos[0]! });
    expect(out.atStart.backend).toBe('wasm');
    expect(out.atStart.fallbacks[0]).toMatchObject({ backend: 'remote', reason: expect.stringMatching(/could not be reached/) });
    expect(out.before[0]).toBe('remote');
    expect(out.after).toEqual(['wasm', out.before[1]]);
    expect(out.changes).toEqual([{ from: 'remote', to: 'wasm', reason: expect.stringMatching(/request failed|attempts/) }]);
    expect(out.backendChanges).toBe(1);
    expect(out.atStart.top).toBe(out.before[1]);
  }, 120_000);

  test('maxConcurrent: overlapping calls and a batch keep at most that many requests in flight (counted at the proxy), each its own answer; a server lost with several in flight hands over once', async () => {
    proxy.mode = 'ok';
    // Held long enough that the page has preprocessed the next images before the first answer comes back.
    proxy.delayMs = 500;
    try {
      const overlapping = async (maxConcurrent: number) => {
        proxy.peak = 0;
        const r = await demo().page.evaluate(async ({ url, model, photos, maxConcurrent }) => {
          const { createClassifier } = window.inpageClassifier;
          const clf = await createClassifier({ model, remote: { url, protocol: 'v2', maxConcurrent, maxBatch: 2 }, modelCache: false, cache: false });
          const blobs = await Promise.all(photos.map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
          const together = await Promise.all(blobs.map((b) => clf.classify(b)));
          const batch = await clf.classifyBatch(blobs);
          const alone = [];
          for (const b of blobs.slice(0, 2)) alone.push(await clf.classify(b));
          await clf.dispose();
          return { together: together.map((t) => Array.from(t.scores)), batch: batch.map((t) => Array.from(t.scores)), alone: alone.map((t) => Array.from(t.scores)) };
        }, { url: proxy.url, model: MODEL_URL, photos, maxConcurrent });
        return { ...r, peak: proxy.peak };
      };
      const three = await overlapping(3);
      const one = await overlapping(1);
      expect(three.peak).toBe(3);
      expect(one.peak).toBe(1);
      // Each call its own answer, whatever the order the server answered in: equal to the same photo alone.
      for (const r of [three, one]) {
        for (const [i, scores] of r.alone.entries()) expect(r.together[i]).toEqual(scores);
        for (const [i, scores] of r.together.entries()) {
          expect(r.batch[i]!.map((v, k) => Math.abs(v - scores[k]!)).every((d) => d <= 1e-6), photos[i]).toBe(true);
        }
      }
      expect(three.together).toEqual(one.together);

      // The server drops every connection while three requests are in flight: one handover, three local answers.
      proxy.delayMs = 300;
      const lost = await demo().page.evaluate(async ({ url, model, photos }) => {
        const { createClassifier } = window.inpageClassifier;
        const clf = await createClassifier({ model, remote: { url, protocol: 'v2', maxConcurrent: 3, retries: 0, fallback: 'local' }, backends: ['wasm'], cache: false });
        const changes: unknown[] = [];
        clf.addEventListener('backendchange', (e) => changes.push((e as CustomEvent).detail));
        const blobs = await Promise.all(photos.slice(0, 3).map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
        await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('drop');
        const results = await Promise.all(blobs.map((b) => clf.classify(b)));
        await (window as unknown as { __setMode(m: string): Promise<void> }).__setMode('ok');
        const after = await clf.classify(blobs[0]!);
        const out = { backends: results.map((r) => r.backend), after: after.backend, changes, backendChanges: clf.stats().backendChanges.length, fallbacks: clf.fallbacks.length };
        await clf.dispose();
        return out;
      }, { url: proxy.url, model: MODEL_URL, photos });
      expect(lost.backends).toEqual(['wasm', 'wasm', 'wasm']);
      expect(lost.after).toBe('wasm');
      expect(lost.changes).toHaveLength(1);
      expect(lost.changes[0]).toMatchObject({ from: 'remote', to: 'wasm' });
      expect(lost.backendChanges).toBe(1);
    } finally {
      proxy.delayMs = 0;
      proxy.mode = 'ok';
    }
  }, 180_000);

  test('image-bytes endpoints (a FastAPI-style /predict): raw and multipart uploads, four answer shapes, the same top-1 as the page; a region is sent cut out', async () => {
    const shapes = [['library', 'raw'], ['hf', 'raw'], ['top', 'multipart'], ['fastapi', 'multipart']] as const;
    const servers = await Promise.all(shapes.map(([response]) => startServer(MANIFEST_FILE, 0, { response })));
    const proxies = await Promise.all(servers.map((s) => startProxy(`http://127.0.0.1:${(s.server.address() as AddressInfo).port}`)));
    try {
      const out = await demo().page.evaluate(async ({ endpoints, model, photos }) => {
        const { createClassifier } = window.inpageClassifier;
        const local = await createClassifier({ model, backends: ['wasm'], cache: false });
        const blobs = await Promise.all(photos.map(async (p) => (await fetch(`/shared-data/photos/${p}`)).blob()));
        const localTop = await Promise.all(blobs.map(async (b) => (await local.classify(b)).top[0]!.label));
        const results: Record<string, { top: string[]; backend: string; tensorError?: string }> = {};
        for (const { name, url, upload } of endpoints) {
          const clf = await createClassifier({ model, remote: { url, protocol: 'image', upload }, cache: false, modelCache: false });
          const top: string[] = [];
          for (const b of blobs) top.push((await clf.classify(b)).top[0]!.label);
          const tensorError = await clf.classifyTensor(new Float32Array(224 * 224 * 3)).then(() => 'resolved', (e: { code?: string }) => e.code);
          results[name] = { top, backend: clf.backend, tensorError };
          await clf.dispose();
        }
        // A region: the server gets the cut-out pixels (a PNG), and answers as for the cropped file.
        const clf = await createClassifier({ model, remote: { url: endpoints[0]!.url, protocol: 'image' }, cache: false, modelCache: false });
        const bitmap = await createImageBitmap(blobs[0]!);
        const [w, h] = [Math.round(bitmap.width / 2), Math.round(bitmap.height / 2)];
        const canvas = new OffscreenCanvas(w, h);
        canvas.getContext('2d')!.drawImage(bitmap, 0, 0, w, h, 0, 0, w, h);
        const cropped = await canvas.convertToBlob({ type: 'image/png' });
        const region = await clf.classify(blobs[0]!, { region: { x: 0, y: 0, width: w, height: h, unit: 'pixels' } });
        const copy = await clf.classify(cropped);
        await clf.dispose();
        await local.dispose();
        return { localTop, results, regionDiff: Math.max(...Array.from(region.scores, (v, i) => Math.abs(v - copy.scores[i]!))) };
      }, { endpoints: shapes.map(([name, upload], i) => ({ name, upload, url: `${proxies[i]!.url}/predict` })), model: MODEL_URL, photos: photos.slice(0, 4) });
      for (const [name, upload] of shapes) {
        expect(out.results[name]!.backend).toBe('remote');
        expect(out.results[name]!.top, `${name} (${upload})`).toEqual(out.localTop);
        expect(out.results[name]!.tensorError).toBe('REMOTE_FAILED');
      }
      expect(proxies[2]!.requests.length).toBeGreaterThan(0);
      expect(out.regionDiff).toBeLessThanOrEqual(1e-6);
    } finally {
      await Promise.all(proxies.map((p) => p.close()));
      await Promise.all(servers.map((s) => new Promise((r) => s.server.close(r))));
    }
  }, 120_000);

  test('remote as the last tier: a device too slow for every tier uses the server; a server that is down keeps the smallest tier', async () => {
    proxy.mode = 'ok';
    const out = await demo().page.evaluate(async ({ url, model }) => {
      const { createClassifier } = window.inpageClassifier;
      // A budget no device meets: every local tier is over it.
      const tiers = { models: [model], latencyBudgetMs: 0.001 };
      const slow = await createClassifier({ tiers, remote: { url, protocol: 'v2' }, backends: ['wasm'], selection: { remember: false } });
      const a = { backend: slow.backend, tiers: slow.stats().tiers };
      await slow.dispose();
      const down = await createClassifier({ tiers, remote: { url: 'http://127.0.0.1:9/', protocol: 'v2', retries: 0, timeoutMs: 2000 }, backends: ['wasm'], selection: { remember: false } });
      const b = { backend: down.backend, tiers: down.stats().tiers };
      await down.dispose();
      return { a, b };
    }, { url: proxy.url, model: MODEL_URL });
    expect(out.a.backend).toBe('remote');
    expect(out.a.tiers!.candidates.map((c) => c.status)).toEqual(['over-budget', 'selected']);
    expect(out.a.tiers!.candidates[1]).toMatchObject({ model: 'remote: nsfw-mobilenet-v2-onnx@4.4.0', reason: expect.stringMatching(/every tier is over the 0.001 ms budget/) });
    expect(out.a.tiers!.selected).toBe(1);
    expect(out.b.backend).toBe('wasm');
    expect(out.b.tiers!.candidates.map((c) => c.status)).toEqual(['selected', 'failed']);
    expect(out.b.tiers!.candidates[1]!.reason).toMatch(/REMOTE_FAILED|could not|request failed/);
  }, 120_000);

  test('a bad remote option is a TypeError before anything is fetched', async () => {
    const errors = await demo().page.evaluate(async (model) => {
      const { createClassifier } = window.inpageClassifier;
      const out: string[] = [];
      for (const remote of [{ protocol: 'v2' }, { url: 'http://x', protocol: 'grpc' }, { url: 'http://x', protocol: 'v2', retries: -1 }, { url: 'http://x', protocol: 'v2', fallback: 'cloud' }, { url: 'http://x', protocol: 'v2', maxConcurrent: 0 }]) {
        out.push(await createClassifier({ model, remote: remote as never }).then(() => 'resolved', (e: Error) => `${e.name}: ${e.message}`));
      }
      return out;
    }, MODEL_URL);
    expect(errors[0]).toMatch(/^TypeError: options.remote.url/);
    expect(errors[1]).toMatch(/^TypeError: options.remote.protocol/);
    expect(errors[2]).toMatch(/^TypeError: options.remote.retries/);
    expect(errors[3]).toMatch(/^TypeError: options.remote.fallback/);
    expect(errors[4]).toMatch(/^TypeError: options.remote.maxConcurrent/);
  });
});
