/**
 * When a runtime's WebAssembly fails to start, find out whether the app serves
 * the wrong thing at the wasm URL. The runtimes only say "expected magic word
 * 00 61 73 6d, found 3c 21 44 4f" (onnxruntime) or "failed to compile"; the
 * usual cause is a bundler that moved the files and a host that answers the
 * missing path with index.html. Runs only after a failure, so a working app
 * never downloads anything twice.
 */
import { concatBytes } from '../bytes.js';
import { sniffWrongContent } from '../manifest/fetch.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Reads the first bytes of a response body and stops the download. */
async function head(response: Response, n: number): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer()).subarray(0, n);
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  while (length < n) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.byteLength;
  }
  void reader.cancel().catch(() => undefined);
  return concatBytes(parts).subarray(0, n);
}

/** What is wrong at one wasm URL, or null when it serves WebAssembly (or cannot be checked). */
export async function checkWasmUrl(url: string): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch {
    return null; // offline or blocked: the runtime's own error says as much
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    return `${url} answered HTTP ${response.status}: the file is not there`;
  }
  const bytes = await head(response, 256);
  if (WASM_MAGIC.every((b, i) => bytes[i] === b)) return null;
  const wrong = sniffWrongContent(bytes) ?? `not WebAssembly (it starts with ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`;
  return `${url} is ${wrong}`;
}

/**
 * Runs `start`; if it throws and one of `urls` does not serve WebAssembly,
 * rethrows with that diagnosis and how to fix it (the original error is the cause).
 */
export async function withWasmDiagnosis<T>(urls: readonly string[], optionName: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    for (const url of urls) {
      const problem = await checkWasmUrl(url);
      if (problem) {
        throw new Error(
          `${problem}. Serve the package's wasm files there (the inpage-classifier/vite plugin, or \`npx inpage-classifier copy-assets <public dir>\`), or point ${optionName} at where they are.`,
          { cause: error },
        );
      }
    }
    throw error;
  }
}
