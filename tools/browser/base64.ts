/**
 * Bytes and float32 tensors across the Node ↔ page boundary, as base64:
 * page.evaluate's arguments and results are JSON, and a JSON array of 150k
 * floats would dominate a run. The one copy of these helpers for the e2e
 * tests and the tools: plain functions on atob/btoa, so the same code runs
 * in Node (20+) and in the page. In-page modules (tools/bench/page.ts) import
 * it; page.evaluate callbacks cannot close over imports, so every page the
 * harness opens (tools/browser/harness.ts) gets this module as
 * `window.harness`.
 */

/** Base64 of `bytes` (chunked: String.fromCharCode takes a bounded number of arguments). */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of a base64 string, in a buffer of their own. */
export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** Base64 of a float32 array's bytes (of its view only, not its whole buffer). */
export function float32ToBase64(values: Float32Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** The float32 array whose bytes `b64` holds (a copy: aligned, owning its buffer). */
export function base64ToFloat32(b64: string): Float32Array {
  return new Float32Array(base64ToBytes(b64).buffer);
}

declare global {
  interface Window {
    /** This module, in pages opened by tools/browser/harness.ts. */
    harness: typeof import('./base64.js');
  }
}
