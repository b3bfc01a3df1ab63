/**
 * The two passes of the antialiased resampler in WebAssembly SIMD
 * (resample.wat): the same fixed-point arithmetic as the JS passes in
 * resample.ts, so the same bytes, in about a quarter of the time
 * (docs/performance.md). Where WebAssembly or its SIMD is missing, or a
 * Content-Security-Policy forbids compiling it ('wasm-unsafe-eval'),
 * `resampleWasm` returns false and the JS passes run instead.
 *
 * One small instance per page, its memory grown to the largest image seen
 * up to {@link SHARED_MEMORY_LIMIT}; a larger image gets an instance of its
 * own, dropped (and its memory collected) after the call, so a single huge
 * photo does not keep its pixels' worth of memory alive.
 */
import { RESAMPLE_WASM_BASE64 } from './resample-wasm-bytes.js';

/** Bytes the shared instance's memory may grow to (a 2.8 MP photo read in full, its passes and tables). */
export const SHARED_MEMORY_LIMIT = 16 * 2 ** 20;
const PAGE = 65_536;

interface KernelExports {
  memory: WebAssembly.Memory;
  horizontal(src: number, srcStride: number, rows: number, cols: number, first: number, count: number, weights: number, maxTaps: number, mid: number): void;
  vertical(mid: number, midStride: number, rows: number, cols: number, first: number, count: number, weights: number, maxTaps: number, out: number, outStride: number): void;
}

/** One axis's filter taps (resample.ts's `taps` makes them): output pixel j reads `count[j]` source pixels from `first[j]`. */
export interface AxisTaps {
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `maxTaps` per output pixel. */
  weights: Int32Array;
  maxTaps: number;
}

let compiled: WebAssembly.Module | null | undefined;
let shared: KernelExports | null = null;

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The compiled module, or null where it cannot run here (no WebAssembly, no SIMD, a CSP without 'wasm-unsafe-eval'). */
function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = base64Bytes(RESAMPLE_WASM_BASE64);
    // validate() is false where SIMD is not supported; a CSP that forbids wasm makes the constructor throw.
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** True where the WebAssembly passes run (else resample.ts uses its JS passes). */
export function wasmResamplerAvailable(): boolean {
  return module() !== null;
}

function instance(bytes: number): KernelExports | null {
  const mod = module();
  if (!mod) return null;
  const own = bytes > SHARED_MEMORY_LIMIT;
  let kernel = own ? null : shared;
  if (!kernel) {
    kernel = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
    if (!own) shared = kernel;
  }
  const have = kernel.memory.buffer.byteLength;
  if (have < bytes) kernel.memory.grow(Math.ceil((bytes - have) / PAGE));
  return kernel;
}

/**
 * Both passes on the source rows [rowFrom, rowTo) (RGBA, `srcW` wide): `h` for
 * the `cols` visible columns, `v` (its `first` relative to rowFrom) for the
 * `rows` visible rows. Writes the visible block into `out` at `outOffset`
 * (bytes), `outStride` bytes a row, alpha 255.
 * @returns false when the WebAssembly passes cannot run here (nothing written)
 */
export function resampleWasm(src: Uint8ClampedArray | Uint8Array, srcW: number, rowFrom: number, rowTo: number, h: AxisTaps, v: AxisTaps, cols: number, rows: number, out: Uint8ClampedArray, outOffset: number, outStride: number): boolean {
  const srcStride = srcW * 4;
  const srcBytes = (rowTo - rowFrom) * srcStride;
  const midStride = cols * 4;
  const midBytes = (rowTo - rowFrom) * midStride;
  const blockBytes = rows * midStride;
  // Tables (i32) first, then the pixel buffers; every offset a multiple of 16.
  const tables = [h.first, h.count, h.weights, v.first, v.count, v.weights];
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const tableAt: number[] = [];
  let at = 0;
  for (const t of tables) {
    tableAt.push(at);
    at += align(t.byteLength);
  }
  const srcAt = at;
  const midAt = align(srcAt + srcBytes);
  const blockAt = align(midAt + midBytes);
  const kernel = instance(blockAt + blockBytes);
  if (!kernel) return false;
  const heap = new Uint8Array(kernel.memory.buffer);
  tables.forEach((t, i) => heap.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), tableAt[i]!));
  heap.set(src.subarray(rowFrom * srcStride, rowTo * srcStride), srcAt);
  kernel.horizontal(srcAt, srcStride, rowTo - rowFrom, cols, tableAt[0]!, tableAt[1]!, tableAt[2]!, h.maxTaps, midAt);
  kernel.vertical(midAt, midStride, rows, cols, tableAt[3]!, tableAt[4]!, tableAt[5]!, v.maxTaps, blockAt, midStride);
  for (let i = 0; i < rows; i++) out.set(heap.subarray(blockAt + i * midStride, blockAt + (i + 1) * midStride), outOffset + i * outStride);
  return true;
}
