/**
 * The parity harness: the same images through the server model
 * (onnxruntime-node + server-style preprocessing in Node) and through every
 * browser engine x backend that works in Chromium, once with the server's
 * identical tensor (isolates numeric drift) and once through the library's
 * canvas preprocessing (end to end). Thresholds come from parity.config.json.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Page } from 'playwright';
import type { LocalBackendName, EngineName, ModelManifest } from '../../src/types.js';
import { openLibraryPage, startDevServer } from '../browser/harness.js';
import { createInPage } from '../browser/page-classifier.js';
import { loadServerModel } from '../server/model.js';
import { scoreInPage } from './page.js';
import { readServerResponse, type ServerAnswer } from './server-response.js';
import { type Agreement, agreement, topIndices } from './stats.js';

export interface ParityConfig {
  tensor: { top1Agreement: number; maxAbsDiffProb: Record<LocalBackendName, number> };
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
   * object + model path; or a running server (RemoteServer).
   */
  server: { manifestPath: string; manifest?: ModelManifest; modelPath?: string } | RemoteServer;
  browser: BrowserModel[];
}

/**
 * A running server's prediction endpoint. Each image is POSTed (raw bytes, or
 * multipart/form-data under `field`); the JSON answer is read by
 * ./server-response.ts: every class's score, or only the server's top-1.
 */
export interface RemoteServer {
  url: string;
  /** The model's labels (index order): maps label answers to classes, and tells a complete top-k list. */
  labels?: string[];
  /** Multipart form field for the file (FastAPI `UploadFile` parameter name, e.g. 'file'); absent: raw body. */
  field?: string;
  /** Path to the answer's field when its shape is custom (e.g. 'outputs.0.data', 'result.probs'). */
  responsePath?: string;
}

export interface ParityOptions {
  groups: ModelGroup[];
  /** Absolute paths of the images. */
  images: string[];
  backends: LocalBackendName[];
  /** Images per run on emulated-GPU backends (seconds per image there). */
  gpuImages: number;
  config: ParityConfig;
  log?: (line: string) => void;
}

export interface ParityRun extends Partial<Agreement> {
  model: string;
  engine: EngineName;
  backend: LocalBackendName;
  preprocess: 'tensor' | 'canvas';
  /**
   * What the server gave to compare with: every class's score, or only its
   * top-1 class (then only top1Agreement is reported: no top-5, no Δprob).
   */
  serverAnswer?: 'scores' | 'top1';
  /** Set on top-1-only runs: says what was (not) compared. */
  note?: string;
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
  if (run.preprocess === 'tensor' && run.serverAnswer !== 'top1') {
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
  /** Every class's score; absent when a remote server answered only its top-1. */
  scores?: Float32Array;
  /** The server's top-1 class index (always known). */
  top1: number;
  file: Uint8Array;
}

/** The labels a manifest declares (inline or its labels file beside it), index order. */
export function manifestLabels(manifestPath: string): string[] {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelManifest;
  if (Array.isArray(manifest.labels)) return manifest.labels;
  return readFileSync(join(dirname(manifestPath), manifest.labels), 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

const IMAGE_TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif', '.bmp': 'image/bmp', '.avif': 'image/avif' };

/** POSTs one image to a running server (raw body, or multipart under `field`) and reads its answer. */
export async function askRemote(server: RemoteServer, path: string, file: Uint8Array): Promise<ServerAnswer> {
  const type = IMAGE_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  let init: RequestInit;
  if (server.field) {
    const form = new FormData();
    form.append(server.field, new Blob([file as BlobPart], { type }), basename(path));
    init = { method: 'POST', body: form };
  } else {
    init = { method: 'POST', body: file as BodyInit, headers: { 'content-type': type } };
  }
  const response = await fetch(server.url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${server.url} answered HTTP ${response.status} for ${basename(path)}: ${text.slice(0, 300)}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${server.url} answered non-JSON for ${basename(path)}: ${text.slice(0, 300)}`);
  }
  try {
    return readServerResponse(body, { labels: server.labels, path: server.responsePath });
  } catch (error) {
    throw new Error(`${server.url}, ${basename(path)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function scoreOnServer(group: ModelGroup, images: string[]): Promise<{ reference: ReferenceResult[]; version: string }> {
  if ('url' in group.server) {
    const remote = group.server;
    const reference: ReferenceResult[] = [];
    for (const path of images) {
      const file = readFileSync(path);
      const answer = await askRemote(remote, path, file);
      if (answer.kind === 'scores') reference.push({ scores: answer.scores, top1: topIndices(answer.scores, 1)[0]!, file });
      else reference.push({ top1: answer.index!, file });
    }
    return { reference, version: remote.url };
  }
  const server = await loadServerModel(group.server.manifestPath, { manifest: group.server.manifest, modelPath: group.server.modelPath });
  const reference: ReferenceResult[] = [];
  for (const path of images) {
    const file = readFileSync(path);
    const { tensor, scores } = await server.predict(file);
    reference.push({ tensor, scores, top1: topIndices(scores, 1)[0]!, file });
  }
  await server.release();
  return { reference, version: server.runtime.version };
}

/** Top-1 agreement only, for a server that answers its top-1 class and nothing else. */
function top1Only(server: number[], browser: Float32Array[]): Pick<Agreement, 'images' | 'top1Agreement'> {
  const same = server.filter((s, i) => topIndices(browser[i]!, 1)[0] === s).length;
  return { images: server.length, top1Agreement: server.length ? same / server.length : 0 };
}

const TOP1_ONLY = 'the server answered only its top-1 class: top-1 agreement only (no top-5, no probability deltas)';

async function runGroup(page: Page, group: ModelGroup, options: ParityOptions): Promise<{ runs: ParityRun[]; version: string }> {
  const log = options.log ?? (() => {});
  const { reference, version } = await scoreOnServer(group, options.images);
  const serverAnswer = reference.every((r) => r.scores) ? 'scores' : 'top1';
  log(`${group.name}: server scored ${reference.length} images${serverAnswer === 'top1' ? ` (top-1 only for ${reference.filter((r) => !r.scores).length})` : ''}`);

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
        let run: ParityRun;
        if (serverAnswer === 'scores') {
          sample.forEach((r, i) => {
            if (r.scores!.length !== browserScores[i]!.length) throw new Error(`${group.name}: the server gave ${r.scores!.length} scores, the browser ${browserScores[i]!.length} (different models or labels?)`);
          });
          run = judge({ ...base, preprocess, serverAnswer, status: 'pass', ...agreement(sample.map((r) => r.scores!), browserScores) }, options.config);
        } else {
          run = judge({ ...base, preprocess, serverAnswer, note: TOP1_ONLY, status: 'pass', ...top1Only(sample.map((r) => r.top1), browserScores) }, options.config);
        }
        runs.push(run);
        log(`${group.name} ${bm.engine}/${backend}/${preprocess}: ${run.status} top1 ${run.top1Agreement!.toFixed(3)} ${run.maxAbsDiffProb === undefined ? '(server top-1 only)' : `max|Δ| ${run.maxAbsDiffProb.toExponential(1)}`}`);
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
  const head = ['model', 'engine', 'backend', 'preprocess', 'server', 'images', 'top1', 'top5', 'max|Δp|', 'mean|Δp|', 'status'];
  const rows = report.runs.map((r) => [
    r.model, r.engine, r.backend, r.preprocess, r.serverAnswer === 'top1' ? 'top-1 only' : r.serverAnswer ?? '-', String(r.images ?? '-'),
    r.top1Agreement === undefined ? '-' : r.top1Agreement.toFixed(3),
    r.top5Agreement === undefined ? '-' : r.top5Agreement.toFixed(3),
    r.maxAbsDiffProb === undefined ? '-' : r.maxAbsDiffProb.toExponential(1),
    r.meanAbsDiffProb === undefined ? '-' : r.meanAbsDiffProb.toExponential(1),
    r.status + (r.reason && r.status !== 'pass' ? ` (${r.reason.slice(0, 80)})` : ''),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const table = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  if (report.runs.some((r) => r.serverAnswer === 'top1')) table.push('', `server "top-1 only": ${TOP1_ONLY}.`);
  return table.join('\n');
}
