/**
 * Loads a model described by a manifest: the manifest itself (network first,
 * Cache API when offline), then every file verified against its sha256, with
 * one aggregated byte progress, then the labels.
 *
 * Model URLs: `….json` is the manifest; a folder (ending in '/', or not in
 * `.json`) loads `<folder>/manifest.json`. A folder without one that holds a
 * raw Hugging Face or Teachable Machine download is refused (MANIFEST_INVALID
 * naming `pack`) unless `integrity: 'none'`, which loads it through the
 * source adapters without hashes and says so in `manifest.unverified`. A bare
 * `.onnx` URL is refused: nothing says how to preprocess for it.
 */
import { ClassifierError, describeError } from '../errors.js';
import type { LoadProgress, ModelManifest } from '../types.js';
import { fetchUnverified, fetchVerified, openModelCache, sha256Hex, sniffWrongContent } from './fetch.js';
import { validateManifest } from './schema.js';

/** `options.integrity`: 'sha256' verifies every file (the default); 'none' loads without hashes. */
export type Integrity = 'sha256' | 'none';

/** The command that turns a raw model folder into a verified one, named in every error that needs it. */
const PACK = 'npx inpage-classifier pack <folder> --out <dir>';

export interface LoadedModel {
  manifest: ModelManifest;
  /** Verified bytes by file name (model, weight shards). */
  files: Map<string, Uint8Array>;
  labels: string[];
  /** `name@version`, part of every result-cache key. */
  id: string;
}

export interface LoadModelOptions {
  baseUrl: string;
  cacheName: string | null;
  onProgress: (p: LoadProgress) => void;
  /** Called once the manifest is valid, before any model file is downloaded; throw to stop there. */
  accept?: (manifest: ModelManifest) => void;
  /** @defaultValue 'sha256' */
  integrity?: Integrity;
  /** false: the manifest and labels only (a remote engine runs the model, with no local fallback). @defaultValue true */
  weights?: boolean;
}

/** What a manifest URL answered: JSON, or (for a folder's `manifest.json`) nothing usable there. */
type ManifestAnswer = { found: true; json: unknown } | { found: false; why: string };

const looksHtml = (text: string, contentType: string | null) => {
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 64).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || (/^text\/html\b/i.test(contentType ?? '') && head.startsWith('<'));
};
const served = (response: Response) => {
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  return `HTTP ${response.status}${type ? `, ${type}` : ''}`;
};

/**
 * Network first, the Cache API when offline. With `probe` (a folder's
 * implied `manifest.json`), a 404 or an HTML answer is "not found" rather
 * than an error, so the folder can be probed for a raw download.
 */
async function fetchManifest(url: string, cache: Cache | null, probe: false): Promise<unknown>;
async function fetchManifest(url: string, cache: Cache | null, probe: boolean): Promise<ManifestAnswer>;
async function fetchManifest(url: string, cache: Cache | null, probe: boolean): Promise<unknown> {
  let response: Response | undefined;
  let fromNetwork = true;
  try {
    response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
  } catch (error) {
    response = (await cache?.match(url)) ?? undefined;
    fromNetwork = false;
    if (!response) throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download the manifest ${url}: ${describeError(error)}`, { cause: error, details: { url } });
  }
  if (!response.ok) {
    if (probe && (response.status === 404 || response.status === 410)) return { found: false, why: `HTTP ${response.status}` } satisfies ManifestAnswer;
    throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download the manifest ${url}: HTTP ${response.status}`, { details: { url, status: response.status } });
  }
  const text = await response.text();
  const html = looksHtml(text, response.headers.get('content-type'));
  if (html && probe) return { found: false, why: `an HTML page (${served(response)})` } satisfies ManifestAnswer;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const hint = html ? `: the server returned HTML (${served(response)}): the file is missing there or the server rewrites unknown paths to index.html` : '';
    throw new ClassifierError('MANIFEST_INVALID', `Manifest ${url} is not valid JSON${hint}`, { cause: error, details: { field: '(root)', url } });
  }
  // Only a manifest that parsed is kept for offline use (never an error page).
  if (fromNetwork && cache) await cache.put(url, new Response(text, { headers: { 'content-type': 'application/json' } })).catch(() => undefined);
  return probe ? ({ found: true, json } satisfies ManifestAnswer) : json;
}

/** A JSON file that is not a manifest but a known raw model file: what it is and how to load it. */
function notAManifest(json: unknown, url: string): string | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  if ('format' in o && 'input' in o) return null; // a manifest (valid or not: validation names the field)
  const folder = new URL('./', url).href;
  const name = new URL(url).pathname.split('/').pop() ?? '';
  const loadFolder = `load its folder instead, createClassifier({ model: '${folder}', integrity: 'none' }) (no sha256 checks), or give it a manifest: \`${PACK}\` and load <dir>/manifest.json`;
  if ('id2label' in o || 'architectures' in o || 'model_type' in o) {
    return `${url} is a Hugging Face config.json, not an inpage-classifier manifest: its folder needs preprocessor_config.json and onnx/model.onnx next to it; ${loadFolder}`;
  }
  if ('modelTopology' in o || 'weightsManifest' in o) {
    return `${url} is a TensorFlow.js model.json, not an inpage-classifier manifest: it says nothing about preprocessing or labels; ${loadFolder} (a Teachable Machine export has metadata.json next to it)`;
  }
  if (name === 'metadata.json' && ('tfjsVersion' in o || 'tmVersion' in o || 'labels' in o)) {
    return `${url} is a Teachable Machine metadata.json, not an inpage-classifier manifest; ${loadFolder}`;
  }
  return null;
}

/** A model URL: a manifest (`….json`), a bare ONNX file, or a folder (ends in '/', or no `.json` at the end). */
function urlKind(url: string): 'manifest' | 'onnx' | 'folder' {
  const parsed = new URL(url);
  const path = parsed.pathname.toLowerCase();
  // blob:, data: URLs have no folder around them.
  if (!['http:', 'https:', 'file:'].includes(parsed.protocol) || path.endsWith('.json')) return 'manifest';
  if (path.endsWith('.onnx')) return 'onnx';
  return 'folder';
}

/** A raw download found in a folder without a manifest. */
interface RawFolder {
  kind: 'huggingface' | 'teachable-machine';
  what: string;
  /** Files known to be there (read so far), by folder-relative path. */
  read: Map<string, Uint8Array>;
}

/** Reads one file of a folder being probed: its bytes, or null when it is not there (404, an HTML answer). */
async function probeFile(url: string): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch {
    return null;
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    return null;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  return looksHtml(new TextDecoder().decode(bytes.subarray(0, 256)), response.headers.get('content-type')) ? null : bytes;
}

async function probeRawFolder(folder: string): Promise<RawFolder | null> {
  const layouts = [
    { kind: 'huggingface', what: 'a Hugging Face model folder (config.json + preprocessor_config.json)', files: ['config.json', 'preprocessor_config.json'] },
    { kind: 'teachable-machine', what: 'a Teachable Machine export (metadata.json + model.json)', files: ['metadata.json', 'model.json'] },
  ] as const;
  for (const layout of layouts) {
    const read = new Map<string, Uint8Array>();
    for (const file of layout.files) {
      const bytes = await probeFile(new URL(file, folder).href);
      if (!bytes) break;
      read.set(file, bytes);
    }
    if (read.size === layout.files.length) return { kind: layout.kind, what: layout.what, read };
  }
  return null;
}

/** Folder-relative paths a raw download is expected to hold (what the adapters are shown). */
function rawListing(raw: RawFolder): string[] {
  if (raw.kind === 'huggingface') return ['config.json', 'preprocessor_config.json', 'onnx/model.onnx'];
  const shards = tfjsShardNames(raw.read.get('model.json')!);
  return ['metadata.json', 'model.json', ...shards];
}

/**
 * `integrity: 'none'` and a raw folder: the source adapters (the same ones
 * `pack` uses) turn it into a manifest; the files are fetched without hashes.
 */
async function loadRawFolder(folder: string, raw: RawFolder, options: LoadModelOptions): Promise<LoadedModel> {
  // Loaded only here: the adapters are not part of a plain manifest load.
  const { adaptSource } = await import('../adapters/adapt.js');
  let loaded = 0;
  const pending = new Map<string, Promise<Uint8Array>>();
  const read = (path: string): Promise<Uint8Array> => {
    const known = raw.read.get(path);
    if (known) return Promise.resolve(known);
    let p = pending.get(path);
    if (!p) {
      p = fetchUnverified({
        url: new URL(path, folder).href,
        onBytes: (n) => {
          loaded += n;
          options.onProgress({ phase: 'download', loaded, total: 0, detail: path });
        },
      });
      pending.set(path, p);
    }
    return p;
  };
  const listing = rawListing(raw);
  let adapted;
  try {
    const sourceName = decodeURIComponent(new URL(folder).pathname.split('/').filter(Boolean).pop() ?? '');
    adapted = await adaptSource({ list: () => [...listing], read }, { kind: raw.kind, sourceName });
  } catch (error) {
    if (error instanceof ClassifierError) throw error;
    const field = (error as { field?: unknown }).field;
    throw new ClassifierError('MANIFEST_INVALID', `${folder} (${raw.what}) could not be read as a model: ${describeError(error)}. \`${PACK}\` shows what it inferred and takes flags for the rest.`, {
      cause: error, details: { field: typeof field === 'string' ? field : '(root)', url: folder, source: raw.kind },
    });
  }
  // Manifest names ← source paths (the adapters may rename, e.g. onnx/model.onnx → model.onnx).
  const targets: Record<string, string> = adapted.targets ?? {};
  const files = new Map<string, Uint8Array>();
  const sha256: Record<string, string> = {};
  for (const source of adapted.files) {
    const name = targets[source] ?? source;
    const bytes = await read(source);
    files.set(name, bytes);
    sha256[name] = await sha256Hex(bytes);
  }
  const draft = { ...adapted.manifest, labels: adapted.labels.length > 0 ? adapted.labels : adapted.manifest.labels, sha256 };
  const manifest = validateManifest(draft, folder);
  manifest.unverified = `Loaded from ${folder} (${raw.what}) with integrity: 'none': no file was checked against a sha256. Run \`${PACK}\` to give it a verified manifest.`;
  options.accept?.(manifest);
  const missing = [manifest.files.model, ...(manifest.files.weights ?? [])].filter((f) => !files.has(f));
  if (missing.length > 0) throw new ClassifierError('MANIFEST_INVALID', `${folder}: the adapted manifest names files that were not read: ${missing.join(', ')}`, { details: { field: 'files', url: folder } });
  const labels = Array.isArray(manifest.labels) ? manifest.labels : adapted.labels;
  options.onProgress({ phase: 'verify', loaded, total: loaded });
  return { manifest, files, labels, id: `${manifest.name}@${manifest.version}` };
}

/** Weight shards listed in a tfjs model.json when the manifest does not list them. */
function tfjsShardNames(modelJson: Uint8Array): string[] {
  const parsed = JSON.parse(new TextDecoder().decode(modelJson)) as { weightsManifest?: { paths: string[] }[] };
  return (parsed.weightsManifest ?? []).flatMap((g) => g.paths);
}

export async function loadModel(source: string | ModelManifest, options: LoadModelOptions): Promise<LoadedModel> {
  const cache = options.cacheName ? await openModelCache(options.cacheName) : null;
  let manifest: ModelManifest;
  let baseUrl = options.baseUrl;
  options.onProgress({ phase: 'manifest', loaded: 0, total: 0 });
  const integrity = options.integrity ?? 'sha256';
  const verify = integrity === 'sha256';
  let json: unknown;
  if (typeof source === 'string') {
    let url = new URL(source, options.baseUrl).href;
    const kind = urlKind(url);
    if (kind === 'onnx') {
      throw new ClassifierError('MANIFEST_INVALID', `${url} is a bare ONNX model: its preprocessing (input size, resize, mean/std) and labels are not known, so it cannot be loaded by itself. Describe it with a manifest: \`${PACK}\` (flags set what the file does not say), then load <dir>/manifest.json.`, {
        details: { field: '(root)', url },
      });
    }
    if (kind === 'folder') {
      const given = url;
      const folderUrl = new URL(given);
      folderUrl.search = '';
      folderUrl.hash = '';
      if (!folderUrl.pathname.endsWith('/')) folderUrl.pathname += '/';
      const folder = folderUrl.href;
      url = new URL('manifest.json', folder).href;
      const answer = await fetchManifest(url, cache, true);
      if (answer.found) {
        json = answer.json;
      } else {
        const raw = await probeRawFolder(folder);
        if (raw && verify) {
          throw new ClassifierError('MANIFEST_INVALID', `${folder} has no manifest.json (${answer.why}) but is ${raw.what}. Its files come without sha256, so it is not loaded unverified by default. Give it a verified manifest: \`${PACK}\` and load <dir>/manifest.json; or opt out of verification with createClassifier({ model: '${folder}', integrity: 'none' }).`, {
            details: { field: '(root)', url: folder, source: raw.kind },
          });
        }
        if (raw) return loadRawFolder(folder, raw, options);
        // An extension-less URL that is no folder may still serve a manifest itself (`/api/manifest?v=2`).
        const itself = new URL(given).pathname.endsWith('/') ? null : await fetchManifest(given, cache, true).catch(() => null);
        if (!itself?.found) {
          throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download the manifest ${url}: ${answer.why}. ${folder} has no manifest.json, and no Hugging Face (config.json + preprocessor_config.json) or Teachable Machine (metadata.json + model.json) files either.`, {
            details: { url, folder },
          });
        }
        url = given;
        json = itself.json;
      }
    } else {
      json = await fetchManifest(url, cache, false);
    }
    const raw = notAManifest(json, url);
    if (raw) throw new ClassifierError('MANIFEST_INVALID', raw, { details: { field: '(root)', url } });
    manifest = validateManifest(json, url, { requireSha256: verify });
    baseUrl = url;
  } else {
    manifest = validateManifest(structuredClone(source), undefined, { requireSha256: verify });
  }
  if (!verify) manifest.unverified = `Loaded with integrity: 'none': no file was checked against a sha256.`;
  options.accept?.(manifest);

  const fileUrl = (name: string) => new URL(name, baseUrl).href;
  const sha = (name: string) => {
    const hex = manifest.sha256[name];
    if (!hex) throw new ClassifierError('MANIFEST_INVALID', `Manifest: field "sha256["${name}"]" is missing: every file needs its SHA-256`, { details: { field: `sha256["${name}"]` } });
    return hex;
  };

  // Progress: total from the manifest's sizes when present, else from Content-Length as responses arrive.
  let loaded = 0;
  let total = Object.values(manifest.bytes ?? {}).reduce((a, b) => a + b, 0);
  const knownTotal = total > 0;
  const progress = (detail: string) => (n: number) => {
    loaded += n;
    options.onProgress({ phase: 'download', loaded, total: Math.max(total, loaded), detail });
  };
  const onLength = (n: number) => {
    if (!knownTotal) total += n;
  };
  const fetchFile = async (name: string) => {
    if (verify) return fetchVerified({ url: fileUrl(name), sha256: sha(name), cache, onBytes: progress(name), onLength });
    // integrity: 'none': no check, and nothing unverified goes into the model cache.
    const bytes = await fetchUnverified({ url: fileUrl(name), onBytes: progress(name), onLength });
    manifest.sha256[name] ??= await sha256Hex(bytes);
    return bytes;
  };

  const files = new Map<string, Uint8Array>();
  if (options.weights === false) return { manifest, files, labels: await loadLabels(manifest, fetchFile), id: `${manifest.name}@${manifest.version}` };
  const modelBytes = await fetchFile(manifest.files.model);
  // Even with a matching sha256 (a manifest generated from a broken file), say plainly what the file is.
  const wrong = modelBytes.byteLength === 0 ? 'empty (0 bytes)' : sniffWrongContent(modelBytes);
  if (wrong) {
    throw new ClassifierError('MODEL_LOAD_FAILED', `Model file ${fileUrl(manifest.files.model)} is ${wrong}, not a model.`, { details: { url: fileUrl(manifest.files.model) } });
  }
  files.set(manifest.files.model, modelBytes);
  if (manifest.format !== 'onnx') {
    const shards = manifest.files.weights ?? tfjsShardNames(files.get(manifest.files.model)!);
    const bytes = await Promise.all(shards.map(fetchFile));
    shards.forEach((name, i) => files.set(name, bytes[i]!));
  }
  const labels = await loadLabels(manifest, fetchFile);
  options.onProgress({ phase: 'verify', loaded, total: loaded });
  return { manifest, files, labels, id: `${manifest.name}@${manifest.version}` };
}

/** The manifest's labels: inline, or one per line in its labels file. */
async function loadLabels(manifest: ModelManifest, fetchFile: (name: string) => Promise<Uint8Array>): Promise<string[]> {
  if (Array.isArray(manifest.labels)) return manifest.labels;
  const text = new TextDecoder().decode(await fetchFile(manifest.labels));
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
