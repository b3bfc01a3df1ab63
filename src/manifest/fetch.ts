/**
 * Downloads model files with byte progress, verifies them against the
 * manifest's sha256 and keeps them in the Cache API so the next load works
 * offline. A cached file is re-verified on every load; a mismatch is dropped
 * and fetched again, so a stale cache can never run an unverified model.
 * What came back is looked at before any hash: an HTML page, a Git LFS
 * pointer or an empty body is MODEL_LOAD_FAILED naming the URL (the file is
 * missing there), and only real bytes that differ are MODEL_INTEGRITY.
 */
import { concatBytes } from '../bytes.js';
import { ClassifierError, describeError } from '../errors.js';

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    throw new ClassifierError('MODEL_LOAD_FAILED', 'crypto.subtle is unavailable, so model files cannot be verified: serve the page over https or from localhost (a secure context).');
  }
  const digest = await subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Opens the Cache API cache, or null where there is none (http, some iframes, Node). */
export async function openModelCache(name: string): Promise<Cache | null> {
  try {
    return typeof caches === 'undefined' ? null : await caches.open(name);
  } catch {
    return null; // private mode / sandboxed iframe: keep working without persistence
  }
}

/** Text shown when a file is clearly not what it should be (a common deployment mistake). */
export function sniffWrongContent(bytes: Uint8Array): string | null {
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).trimStart().toLowerCase();
  if (head.startsWith('version https://git-lfs')) return 'a Git LFS pointer, not the file itself (run `git lfs pull` where it is hosted)';
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'an HTML page (wrong URL, or a server that rewrites unknown paths to index.html)';
  return null;
}

/**
 * What a download is, when it is clearly not the file asked for: an HTML page
 * (a 404 page, or a dev server's index.html answer to an unknown path), a Git
 * LFS pointer, or nothing. Checked before any hash, so the message names the
 * real cause instead of a sha256 mismatch.
 */
export function wrongDownload(bytes: Uint8Array, status: number, contentType: string | null): string | null {
  const served = `HTTP ${status}${contentType ? `, ${contentType.split(';')[0]!.trim()}` : ''}`;
  if (bytes.byteLength === 0) return `returned an empty body (${served}, 0 bytes): the file is missing or empty there`;
  const head = new TextDecoder().decode(bytes.subarray(0, 256)).replace(/^\uFEFF/, '').trimStart().toLowerCase();
  if (head.startsWith('version https://git-lfs')) {
    return `returned a Git LFS pointer (${served}), not the file itself: run \`git lfs pull\` where it is hosted, or serve the real file`;
  }
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || (/^text\/html\b/i.test(contentType ?? '') && head.startsWith('<'))) {
    return `returned an HTML page (${served}): the file is missing there or the server rewrites unknown paths to index.html`;
  }
  return null;
}

async function readWithProgress(response: Response, onBytes: (n: number) => void): Promise<Uint8Array> {
  if (!response.body) {
    const buf = new Uint8Array(await response.arrayBuffer());
    onBytes(buf.byteLength);
    return buf;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    onBytes(value.byteLength);
  }
  return concatBytes(chunks);
}

/** Delays before each retry of a failed download (network error, 5xx, 429, connection cut mid-body). */
export const RETRY_DELAYS_MS = [250, 1000, 3000];

class HttpError extends Error {
  constructor(readonly status: number, statusText: string) {
    super(`HTTP ${status} ${statusText}`.trim());
  }
}

const transient = (error: unknown) => !(error instanceof HttpError) || error.status >= 500 || error.status === 429;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET with retries and backoff for transient failures, none for 4xx. Model
 * URLs are fetched as data (credentials: same-origin), never executed.
 */
async function downloadWithRetry(url: string, req: DownloadRequest): Promise<Download> {
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new HttpError(response.status, response.statusText);
      const length = Number(response.headers.get('content-length'));
      if (length > 0 && attempt === 0) req.onLength?.(length);
      const bytes = await readWithProgress(response, (n) => {
        received += n;
        req.onBytes(n);
      });
      return { bytes, status: response.status, contentType: response.headers.get('content-type') };
    } catch (error) {
      req.onBytes(-received); // progress restarts with the retry
      if (!transient(error) || attempt >= RETRY_DELAYS_MS.length) {
        const why = error instanceof HttpError ? error.message : `${describeError(error)} (offline and not cached yet?)`;
        throw new ClassifierError('MODEL_LOAD_FAILED', `Could not download ${url}: ${why}${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}`, {
          cause: error,
          details: { url, attempts: attempt + 1, ...(error instanceof HttpError ? { status: error.status } : {}) },
        });
      }
      await sleep(RETRY_DELAYS_MS[attempt]!);
    }
  }
}

interface Download {
  bytes: Uint8Array;
  status: number;
  contentType: string | null;
}

export interface DownloadRequest {
  url: string;
  /** Called with each newly received byte count. */
  onBytes: (n: number) => void;
  /** Content-Length of the response, once known. */
  onLength?: (n: number) => void;
}

export interface FetchFileRequest extends DownloadRequest {
  sha256: string;
  cache: Cache | null;
}

/** Downloads one file and checks that it is not an HTML page, an LFS pointer or empty. */
async function downloadChecked(req: DownloadRequest): Promise<Uint8Array> {
  const { bytes, status, contentType } = await downloadWithRetry(req.url, req);
  const wrong = wrongDownload(bytes, status, contentType);
  if (wrong) {
    throw new ClassifierError('MODEL_LOAD_FAILED', `${req.url} ${wrong}.`, { details: { url: req.url, status, contentType } });
  }
  return bytes;
}

/**
 * A model file downloaded without any hash to check it against
 * (`integrity: 'none'`): still refused when it is an HTML page, an LFS
 * pointer or empty, and never written to the model cache.
 */
export async function fetchUnverified(req: DownloadRequest): Promise<Uint8Array> {
  return downloadChecked(req);
}

/** Returns the verified bytes of one model file, from the Cache API when it holds a verified copy. */
export async function fetchVerified(req: FetchFileRequest): Promise<Uint8Array> {
  const { url, cache } = req;
  if (cache) {
    const hit = await cache.match(url).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      if ((await sha256Hex(bytes)) === req.sha256.toLowerCase()) {
        req.onLength?.(bytes.byteLength);
        req.onBytes(bytes.byteLength);
        return bytes;
      }
      await cache.delete(url).catch(() => false);
    }
  }
  // What came back is checked before any hash: a missing file is named as missing, not as a mismatch.
  const bytes = await downloadChecked(req);
  const actual = await sha256Hex(bytes);
  if (actual !== req.sha256.toLowerCase()) {
    throw new ClassifierError('MODEL_INTEGRITY', `${url} does not match the manifest's sha256 (expected ${req.sha256}, got ${actual}, ${bytes.byteLength} bytes); refusing to run an unverified model.`, {
      details: { url, expected: req.sha256, actual },
    });
  }
  // Only verified, complete files are ever cached: a failed download leaves nothing behind.
  if (cache) await cache.put(url, new Response(bytes as BufferSource, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => undefined);
  return bytes;
}
