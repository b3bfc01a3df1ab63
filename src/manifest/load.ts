/**
 * Loads a model described by a manifest: the manifest itself (network first,
 * Cache API when offline), then every file verified against its sha256, with
 * one aggregated byte progress, then the labels.
 */
import { ClassifierError, describeError } from '../errors.js';
import type { LoadProgress, ModelManifest } from '../types.js';
import { fetchVerified, openModelCache, sniffWrongContent } from './fetch.js';
import { validateManifest } from './schema.js';

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
}

async function fetchManifest(url: string, cache: Cache | null): Promise<unknown> {
  let response: Response | undefined;
  try {
    response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
    if (response.ok && cache) await cache.put(url, response.clone()).catch(() => undefined);
  } catch (error) {
    response = (await cache?.match(url)) ?? undefined;
    if (!response) throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download the manifest ${url}: ${describeError(error)}`, { cause: error, details: { url } });
  }
  if (!response.ok) {
    throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download the manifest ${url}: HTTP ${response.status}`, { details: { url, status: response.status } });
  }
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    const hint = text.trimStart().startsWith('<') ? ' (the server returned HTML: wrong URL?)' : '';
    throw new ClassifierError('MANIFEST_INVALID', `Manifest ${url} is not valid JSON${hint}`, { cause: error, details: { field: '(root)', url } });
  }
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
  if (typeof source === 'string') {
    const url = new URL(source, options.baseUrl).href;
    manifest = validateManifest(await fetchManifest(url, cache), url);
    baseUrl = url;
  } else {
    manifest = validateManifest(structuredClone(source));
  }
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
  const fetchFile = (name: string) =>
    fetchVerified({
      url: fileUrl(name),
      sha256: sha(name),
      cache,
      onBytes: progress(name),
      onLength: (n) => {
        if (!knownTotal) total += n;
      },
    });

  const files = new Map<string, Uint8Array>();
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
  let labels: string[];
  if (Array.isArray(manifest.labels)) {
    labels = manifest.labels;
  } else {
    const text = new TextDecoder().decode(await fetchFile(manifest.labels));
    labels = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  }
  options.onProgress({ phase: 'verify', loaded, total: loaded });
  return { manifest, files, labels, id: `${manifest.name}@${manifest.version}` };
}
