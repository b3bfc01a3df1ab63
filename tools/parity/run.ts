/**
 * The parity harness: the same images through the server model
 * (onnxruntime-node + server-style preprocessing in Node) and through every
 * browser engine x backend that works in Chromium, once with the server's
 * identical tensor (isolates numeric drift) and once through the library's
 * canvas preprocessing (end to end). Thresholds come from parity.config.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';
import type { BackendName, EngineName, ModelManifest } from '../../src/types.js';
import { openLibraryPage, startDevServer } from '../browser/harness.js';
import { createInPage } from '../browser/page-classifier.js';
import { loadServerModel } from '../server/model.js';
import { scoreInPage } from './page.js';
import { type Agreement, agreement } from './stats.js';

export interface ParityConfig {
  tensor: { top1Agreement: number; maxAbsDiffProb: Record<BackendName, number> };
  canvas: { top1Agreement: number };
}

export interface BrowserModel {
  engine: EngineName;
  /** URL served by the demo server (under public/), or a manifest object. */
  model: string | ModelManifest;
  baseUrl?: string;
}

export interface ModelGroup {
  /** Label in the report, e.g. the model name. */
  name: string;
  /**
   * The server side: a local ONNX manifest (its model file beside it), or an
   * object + model path; or `url`, a running server's /predict endpoint that
   * takes image bytes and answers { scores } or { top: [{index, score}] }.
   */
  server: { manifestPath: string; manifest?: ModelManifest; modelPath?: string } | { url: string };
  browser: BrowserModel[];
}

export interface ParityOptions {
  groups: ModelGroup[];
  /** Absolute paths of the images. */
  images: string[];
  backends: BackendName[];
  /** Images per run on emulated-GPU backends (seconds per image there). */
  gpuImages: number;
  config: ParityConfig;
  log?: (line: string) => void;
}

export interface ParityRun extends Partial<Agreement> {
  model: string;
  engine: EngineName;
  backend: BackendName;
  preprocess: 'tensor' | 'canvas';
  status: 'pass' | 'fail' | 'unavailable';
  /** Why it failed or was unavailable. */
  reason?: string;
}

export interface ParityReport {
  model: string;
  reference: { runtime: string; version: string; preprocessing: string };
  thresholds: ParityConfig;
  runs: ParityRun[];
  ok: boolean;
}

export function loadParityConfig(path = join(import.meta.dirname, '..', '..', 'parity.config.json')): ParityConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as ParityConfig;
}

function judge(run: ParityRun, config: ParityConfig): ParityRun {
  const problems: string[] = [];
  if (run.preprocess === 'tensor') {
    if (run.top1Agreement! < config.tensor.top1Agreement) problems.push(`top-1 agreement ${run.top1Agreement} < ${config.tensor.top1Agreement}`);
    const max = config.tensor.maxAbsDiffProb[run.backend];
    if (run.maxAbsDiffProb! > max) problems.push(`max |Δprob| ${run.maxAbsDiffProb!.toExponential(2)} > ${max}`);
  } else if (run.top1Agreement! < config.canvas.top1Agreement) {
    problems.push(`top-1 agreement ${run.top1Agreement!.toFixed(3)} < ${config.canvas.top1Agreement}`);
  }
  return problems.length ? { ...run, status: 'fail', reason: problems.join('; ') } : { ...run, status: 'pass' };
}

interface ReferenceResult {
  /** Absent for a remote server (it does not expose its tensor). */
  tensor?: Float32Array;
  scores: Float32Array;
  file: Uint8Array;
}

/** Asks a running /predict endpoint. Without full `scores`, classes it did not return count as 0. */
async function remoteScores(url: string, file: Uint8Array): Promise<Float32Array> {
  const response = await fetch(url, { method: 'POST', body: file as BodyInit });
  if (!response.ok) throw new Error(`${url} answered HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { scores?: number[]; top?: { index: number; score: number }[] };
  if (body.scores) return Float32Array.from(body.scores);
  if (!body.top) throw new Error(`${url} answered without "scores" or "top"`);
  const scores = new Float32Array(Math.max(...body.top.map((t) => t.index)) + 1);
  for (const t of body.top) scores[t.index] = t.score;
  return scores;
}

async function scoreOnServer(group: ModelGroup, images: string[]): Promise<{ reference: ReferenceResult[]; version: string }> {
  if ('url' in group.server) {
    const url = group.server.url;
    const reference: ReferenceResult[] = [];
    for (const path of images) {
      const file = readFileSync(path);
      reference.push({ scores: await remoteScores(url, file), file });
    }
    return { reference, version: url };
  }
  const server = await loadServerModel(group.server.manifestPath, { manifest: group.server.manifest, modelPath: group.server.modelPath });
  const reference: ReferenceResult[] = [];
  for (const path of images) {
    const file = readFileSync(path);
    const { tensor, scores } = await server.predict(file);
    reference.push({ tensor, scores, file });
  }
  await server.release();
  return { reference, version: server.runtime.version };
}

/** A remote server's partial scores (top-K only) padded to the browser's class count. */
function padTo(scores: Float32Array, length: number): Float32Array {
  if (scores.length >= length) return scores;
  const out = new Float32Array(length);
  out.set(scores);
  return out;
}

async function runGroup(page: Page, group: ModelGroup, options: ParityOptions): Promise<{ runs: ParityRun[]; version: string }> {
  const log = options.log ?? (() => {});
  const { reference, version } = await scoreOnServer(group, options.images);
  log(`${group.name}: server scored ${reference.length} images`);

  const runs: ParityRun[] = [];
  for (const bm of group.browser) {
    for (const backend of options.backends) {
      const base = { model: group.name, engine: bm.engine, backend } as const;
      try {
        await createInPage(page, { model: bm.model, backends: [backend], cache: false, ...(bm.baseUrl ? { baseUrl: bm.baseUrl } : {}) });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        for (const preprocess of ['tensor', 'canvas'] as const) runs.push({ ...base, preprocess, status: 'unavailable', reason });
        log(`${group.name} ${bm.engine}/${backend}: unavailable (${reason})`);
        continue;
      }
      const sample = backend === 'wasm' ? reference : reference.slice(0, options.gpuImages);
      for (const preprocess of ['tensor', 'canvas'] as const) {
        if (preprocess === 'tensor' && sample.some((r) => !r.tensor)) {
          runs.push({ ...base, preprocess, status: 'unavailable', reason: 'a remote server does not expose its tensor' });
          continue;
        }
        const browserScores: Float32Array[] = [];
        for (const r of sample) {
          const payload = preprocess === 'tensor' ? new Uint8Array(r.tensor!.buffer, r.tensor!.byteOffset, r.tensor!.byteLength) : r.file;
          browserScores.push(await scoreInPage(page, preprocess, payload));
        }
        const serverScores = sample.map((r, i) => padTo(r.scores, browserScores[i]!.length));
        const run = judge({ ...base, preprocess, status: 'pass', ...agreement(serverScores, browserScores) }, options.config);
        runs.push(run);
        log(`${group.name} ${bm.engine}/${backend}/${preprocess}: ${run.status} top1 ${run.top1Agreement!.toFixed(3)} max|Δ| ${run.maxAbsDiffProb!.toExponential(1)}`);
      }
    }
  }
  return { runs, version };
}

export async function runParity(options: ParityOptions): Promise<ParityReport> {
  const server = await startDevServer();
  const browser = await openLibraryPage(`${server.url}?autoload=0`, { webgpu: options.backends.includes('webgpu') }).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  try {
    const runs: ParityRun[] = [];
    let version = '';
    for (const group of options.groups) {
      const result = await runGroup(browser.page, group, options);
      runs.push(...result.runs);
      version = result.version;
    }
    const remote = options.groups.some((g) => 'url' in g.server);
    if (browser.blocked.length) throw new Error(`the page tried to reach non-localhost URLs: ${browser.blocked.join(', ')}`);
    return {
      model: options.groups.map((g) => g.name).join(', '),
      reference: remote
        ? { runtime: 'remote server', version, preprocessing: "the server's own" }
        : { runtime: 'onnxruntime-node', version, preprocessing: 'sharp: EXIF rotate, flatten on white, antialiased (linear) resize per manifest, center crop' },
      thresholds: options.config,
      runs,
      ok: runs.every((r) => r.status !== 'fail'),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

export function formatTable(report: ParityReport): string {
  const head = ['model', 'engine', 'backend', 'preprocess', 'images', 'top1', 'top5', 'max|Δp|', 'mean|Δp|', 'status'];
  const rows = report.runs.map((r) => [
    r.model, r.engine, r.backend, r.preprocess, String(r.images ?? '-'),
    r.top1Agreement === undefined ? '-' : r.top1Agreement.toFixed(3),
    r.top5Agreement === undefined ? '-' : r.top5Agreement.toFixed(3),
    r.maxAbsDiffProb === undefined ? '-' : r.maxAbsDiffProb.toExponential(1),
    r.meanAbsDiffProb === undefined ? '-' : r.meanAbsDiffProb.toExponential(1),
    r.status + (r.reason && r.status !== 'pass' ? ` (${r.reason.slice(0, 80)})` : ''),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
