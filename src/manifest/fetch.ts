/**
 * Downloads model files with byte progress, verifies them against the
 * manifest's sha256 and keeps them in the Cache API so the next load works
 * offline. A cached file is re-verified on every load; a mismatch is dropped
 * and fetched again, so a stale cache can never run an unverified model.
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
async function downloadWithRetry(url: string, req: FetchFileRequest): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    let received = 0;
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new HttpError(response.status, response.statusText);
      const length = Number(response.headers.get('content-length'));
      if (length > 0 && attempt === 0) req.onLength?.(length);
      return await readWithProgress(response, (n) => {
        received += n;
        req.onBytes(n);
      });
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

export interface FetchFileRequest {
  url: string;
  sha256: string;
  cache: Cache | null;
  /** Called with each newly received byte count. */
  onBytes: (n: number) => void;
  /** Content-Length of the response, once known. */
  onLength?: (n: number) => void;
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
  const bytes = await downloadWithRetry(url, req);
  const actual = await sha256Hex(bytes);
  if (actual !== req.sha256.toLowerCase()) {
    const wrong = sniffWrongContent(bytes);
    const what = wrong ? ` The server returned ${wrong}.` : '';
    throw new ClassifierError('MODEL_INTEGRITY', `${url} does not match the manifest's sha256 (expected ${req.sha256}, got ${actual}); refusing to run an unverified model.${what}`, {
      details: { url, expected: req.sha256, actual },
    });
  }
  // Only verified, complete files are ever cached: a failed download leaves nothing behind.
  if (cache) await cache.put(url, new Response(bytes as BufferSource, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => undefined);
  return bytes;
}
