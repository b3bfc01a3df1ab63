/**
 * Cheap capability probes run before any engine is created: is the backend
 * there at all, and is its GPU real hardware or an emulation (SwiftShader,
 * llvmpipe, a WebGPU fallback adapter), which runs models ~10-100x slower
 * than WASM on the same CPU.
 */
import type { AdapterInfo, BackendCapability, EngineName } from '../types.js';
import { capabilityKind, classifyGpuText } from './gpu-class.js';

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export async function probeWebGPU(): Promise<{ capability: BackendCapability; adapter: AdapterInfo | null }> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  const unavailable = (reason: string) => ({ capability: { backend: 'webgpu' as const, available: false, kind: 'unknown' as const, description: '', reason }, adapter: null });
  if (!gpu) {
    const secure = globalThis.isSecureContext === false ? ' (the page is not a secure context: WebGPU needs https or localhost)' : '';
    return unavailable(`navigator.gpu unavailable${secure}`);
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return unavailable(`requestAdapter() threw: ${String(error)}`);
  }
  if (!adapter) return unavailable('requestAdapter() returned null (no usable GPU adapter)');
  const info = adapter.info ?? {};
  const facts: AdapterInfo = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    description: info.description || info.device || '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
  };
  const text = `${facts.vendor} ${facts.architecture} ${facts.description}`.trim();
  const gpuClass = facts.isFallbackAdapter ? 'software' : classifyGpuText(text);
  return {
    capability: {
      backend: 'webgpu',
      available: true,
      kind: capabilityKind(gpuClass),
      gpuClass,
      description: `${text || 'unnamed adapter'}${facts.isFallbackAdapter ? ' (fallback adapter)' : ''}`,
    },
    adapter: facts,
  };
}

function createProbeCanvas(): HTMLCanvasElement | OffscreenCanvas | null {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  return null;
}

export function probeWebGL(): BackendCapability {
  const canvas = createProbeCanvas();
  const base = { backend: 'webgl' as const, kind: 'unknown' as const, description: '' };
  if (!canvas) return { ...base, available: false, reason: 'no canvas in this context' };
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (!gl) return { ...base, available: false, reason: 'WebGL context could not be created (disabled or blocklisted GPU)' };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  const version = typeof WebGL2RenderingContext !== 'undefined' && gl instanceof WebGL2RenderingContext ? 'WebGL2' : 'WebGL1';
  gl.getExtension('WEBGL_lose_context')?.loseContext(); // give the context back now, browsers cap how many live
  // The browser itself says "this would be slow" (software rendering) by refusing this attribute.
  const strict = createProbeCanvas()?.getContext('webgl2', { failIfMajorPerformanceCaveat: true }) as WebGL2RenderingContext | null | undefined;
  strict?.getExtension('WEBGL_lose_context')?.loseContext();
  const caveat = !strict;
  const gpuClass = caveat ? 'software' : classifyGpuText(renderer);
  const why = caveat ? ' (major performance caveat)' : '';
  return { backend: 'webgl', available: true, kind: capabilityKind(gpuClass), gpuClass, description: `${version}: ${renderer}${why}` };
}

/** A tiny module using SIMD instructions (i8x16.splat, i8x16.popcnt), from wasm-feature-detect. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/**
 * @param engine - tfjs's wasm backend runs one thread even when given more
 *   (tensorflow/tfjs#8513) and its threaded build breaks under bundlers that
 *   minify identifiers (tfjs#4107), so it is always run single-threaded.
 */
export function probeWasm(requestedThreads: number, engine: EngineName = 'ort'): { capability: BackendCapability; threads: number } {
  if (typeof WebAssembly === 'undefined') {
    return { capability: { backend: 'wasm', available: false, kind: 'cpu', description: '', reason: 'WebAssembly unavailable' }, threads: 1 };
  }
  const simd = WebAssembly.validate(SIMD_PROBE);
  const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';
  const threads = isolated && engine === 'ort' ? requestedThreads : 1;
  const why = !isolated ? ' (not cross-origin isolated: serve COOP/COEP headers for threads)'
    : engine === 'tfjs' ? ' (tfjs runs its wasm backend on one thread: tensorflow/tfjs#8513)'
    : '';
  return {
    capability: { backend: 'wasm', available: true, kind: 'cpu', threads, description: `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads > 1 ? 's' : ''}${why}` },
    threads,
  };
}
