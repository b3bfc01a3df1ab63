/**
 * "Bring your own model" from files on disk: a picked or dropped folder (or
 * loose files) holding either a manifest.json and the files it lists, or a
 * raw download the library's source adapters understand (a Hugging Face
 * folder: config.json + preprocessor_config.json + onnx/model.onnx; a
 * Teachable Machine export: model.json + weights.bin + metadata.json). Files
 * are matched by their folder-relative paths, and `manifest.json` is taken
 * by name (never "the first .json": a folder may hold other JSON files).
 *
 * A raw folder gets its manifest from the adapters (the ones
 * `npx inpage-classifier pack` uses), and the demo hashes the files itself
 * with crypto.subtle: the user picked them locally, so the hashes are what
 * they chose, and integrity stays on. Every file is then put into the
 * library's model cache (the Cache API, under a made-up same-origin folder
 * URL) and the manifest passed as an object with that folder as baseUrl:
 * the library finds each file in its cache, verifies its sha256 as always,
 * and never touches the network.
 */
import { adaptSource, detectSourceKind } from '../src/adapters/adapt.js';
import type { SourceFiles } from '../src/adapters/types.js';
import { type ModelManifest, validateManifest } from '../src/index.js';

/** The Cache API cache picked models go into (passed to createClassifier as modelCache.name). */
export const LOCAL_MODEL_CACHE = 'inpage-classifier-demo-local-models';

export interface LocalModel {
  manifest: ModelManifest;
  baseUrl: string;
  modelCacheName: string;
  /** How the manifest was obtained: the folder's own manifest.json, or the adapters (which kind of source). */
  source: 'manifest' | string;
}

/** A picked or dropped file with its path inside what was picked ('/' separated). */
export interface LocalFile {
  path: string;
  file: File;
}

/**
 * Folder-relative paths of picked files: `webkitRelativePath` (a
 * `webkitdirectory` pick) minus the picked folder itself, else the name.
 */
export function pickedFiles(files: Iterable<File>): LocalFile[] {
  return withoutTopFolder([...files].map((file) => ({ path: file.webkitRelativePath || file.name, file })));
}

/** Drops the first path segment when every file lies below the same one (the picked or dropped folder). */
export function withoutTopFolder(files: LocalFile[]): LocalFile[] {
  const clean = files.map((f) => ({ ...f, path: f.path.replace(/^\/+/, '') }));
  const tops = new Set(clean.map((f) => (f.path.includes('/') ? f.path.slice(0, f.path.indexOf('/')) : null)));
  if (clean.length === 0 || tops.size !== 1 || tops.has(null)) return clean;
  return clean.map((f) => ({ ...f, path: f.path.slice(f.path.indexOf('/') + 1) }));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function entriesIn(entry: FileSystemEntry, path: string): Promise<LocalFile[]> {
  if (entry.isFile) return [{ path, file: await fileOf(entry as FileSystemFileEntry) }];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: LocalFile[] = [];
  // readEntries answers in batches (about 100) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    for (const child of batch) out.push(...(await entriesIn(child, `${path}/${child.name}`)));
  }
}

/** Every file of a drop with its path, descending into dropped folders (DataTransferItem.webkitGetAsEntry). */
export async function droppedModelFiles(data: DataTransfer): Promise<LocalFile[]> {
  const entries = [...data.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  if (entries.some((e) => e?.isDirectory)) {
    const nested = await Promise.all(entries.filter((e): e is FileSystemEntry => e !== null).map((e) => entriesIn(e, e.name)));
    return withoutTopFolder(nested.flat());
  }
  return [...data.files].map((file) => ({ path: file.name, file }));
}

/** The files below `root` ('' or 'sub/'), with root-relative paths. */
function below(files: readonly LocalFile[], root: string): Map<string, File> {
  return new Map(files.filter((f) => f.path.startsWith(root)).map((f) => [f.path.slice(root.length), f.file]));
}

/** The manifest.json nearest the top (by name, whatever other JSON files lie next to it). */
function findManifest(files: readonly LocalFile[]): LocalFile | undefined {
  return files
    .filter((f) => f.path === 'manifest.json' || f.path.endsWith('/manifest.json'))
    .sort((a, b) => a.path.split('/').length - b.path.split('/').length)[0];
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Files the adapters will need for a recognisable raw layout, so a missing one is named before anything is read. */
async function expectedFiles(kind: string, files: Map<string, File>): Promise<string[]> {
  if (kind === 'huggingface') {
    const model = files.has('onnx/model.onnx') || !files.has('model.onnx') ? 'onnx/model.onnx' : 'model.onnx';
    return ['config.json', 'preprocessor_config.json', model];
  }
  if (kind === 'teachable-machine') {
    const json = files.get('model.json');
    const shards = json ? ((JSON.parse(await json.text()) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? []).flatMap((g) => g.paths) : ['weights.bin'];
    return ['model.json', 'metadata.json', ...shards];
  }
  return [];
}

function missingError(missing: string[], what: string): Error {
  return new Error(`${what} is missing ${missing.length === 1 ? 'a file' : 'files'}: ${missing.join(', ')} (paths relative to the picked folder). Pick the whole folder.`);
}

async function putAll(manifest: ModelManifest, byName: Map<string, File>): Promise<string> {
  const baseUrl = new URL(`/__local-models__/${encodeURIComponent(manifest.name)}@${encodeURIComponent(manifest.version)}/`, location.href).href;
  const cache = await caches.open(LOCAL_MODEL_CACHE);
  for (const [name, file] of byName) {
    await cache.put(new URL(name, baseUrl).href, new Response(file, { headers: { 'content-type': 'application/octet-stream' } }));
  }
  return baseUrl;
}

/** A folder with its own manifest.json: the files it lists, found by their paths relative to it. */
async function fromManifest(files: readonly LocalFile[], manifestFile: LocalFile): Promise<LocalModel> {
  const root = manifestFile.path.slice(0, manifestFile.path.length - 'manifest.json'.length);
  const inRoot = below(files, root);
  const manifest = validateManifest(JSON.parse(await manifestFile.file.text()), manifestFile.path);
  const byName = new Map<string, File>();
  const missing: string[] = [];
  for (const name of Object.keys(manifest.sha256)) {
    // Loose files (no folder) are matched by name; a folder's by path.
    const file = inRoot.get(name) ?? files.find((f) => !f.path.includes('/') && f.path === name.split('/').pop())?.file;
    if (file) byName.set(name, file);
    else missing.push(`${root}${name}`);
  }
  if (missing.length > 0) throw missingError(missing, `${manifestFile.path} lists files that were not picked; the folder`);
  return { manifest, baseUrl: await putAll(manifest, byName), modelCacheName: LOCAL_MODEL_CACHE, source: 'manifest' };
}

/** A raw download (Hugging Face, Teachable Machine, a tfjs model.json…): adapters for the manifest, hashes from the picked bytes. */
async function fromRawFolder(files: readonly LocalFile[]): Promise<LocalModel> {
  const byPath = below(files, '');
  const view: SourceFiles = {
    list: () => [...byPath.keys()],
    read: async (path) => {
      const file = byPath.get(path);
      if (!file) throw missingError([path], 'The folder');
      return new Uint8Array(await file.arrayBuffer());
    },
  };
  let kind: string;
  try {
    kind = detectSourceKind(view);
  } catch (error) {
    throw new Error(`No manifest.json among the picked files (${[...byPath.keys()].slice(0, 8).join(', ')}), and they are not a model download this page knows (a Hugging Face folder or a Teachable Machine export): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const missing = (await expectedFiles(kind, byPath)).filter((p) => !byPath.has(p));
  if (missing.length > 0) throw missingError(missing, `The folder (${kind === 'huggingface' ? 'a Hugging Face download' : 'a Teachable Machine export'})`);
  let adapted;
  try {
    const sourceName = files.find((f) => f.file.webkitRelativePath)?.file.webkitRelativePath.split('/')[0];
    adapted = await adaptSource(view, { ...(sourceName ? { sourceName } : {}) });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`The folder looks like ${kind}, but no manifest could be made from it: ${why}. \`npx inpage-classifier pack <folder> --out <dir>\` takes flags for what it cannot infer.`, { cause: error });
  }
  const targets: Record<string, string> = adapted.targets ?? {};
  const byName = new Map<string, File>();
  const sha256: Record<string, string> = {};
  const bytes: Record<string, number> = {};
  for (const path of adapted.files) {
    const file = byPath.get(path);
    if (!file) throw missingError([path], 'The folder');
    const name = targets[path] ?? path;
    byName.set(name, file);
    sha256[name] = await sha256Hex(await file.arrayBuffer());
    bytes[name] = file.size;
  }
  const labels = adapted.labels.length > 0 ? adapted.labels : adapted.manifest.labels;
  const manifest = validateManifest({ ...adapted.manifest, labels, sha256, bytes }, `${kind} folder`);
  return { manifest, baseUrl: await putAll(manifest, byName), modelCacheName: LOCAL_MODEL_CACHE, source: kind };
}

/**
 * The model in a picked or dropped folder (or loose files): its
 * manifest.json when there is one, else what the adapters make of it.
 * @throws Error naming missing files by their folder-relative paths
 */
export async function localModel(files: readonly LocalFile[]): Promise<LocalModel> {
  if (files.length === 0) throw new Error('Pick a model folder: one with a manifest.json, a Hugging Face download or a Teachable Machine export.');
  const manifestFile = findManifest(files);
  if (manifestFile) return fromManifest(files, manifestFile);
  return fromRawFolder(files);
}
