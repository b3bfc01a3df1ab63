/**
 * Watches a GPU backend for loss: a WebGL context's `webglcontextlost`, a
 * WebGPU device's `lost` promise. Each watcher resolves with a reason and
 * never rejects; without a handle it never resolves (WASM is not "lost").
 */
export const NEVER: Promise<string> = new Promise(() => {});

type GL = WebGLRenderingContext | WebGL2RenderingContext;

export function watchWebGLContext(gl: GL | null | undefined): Promise<string> {
  if (!gl) return NEVER;
  if (gl.isContextLost()) return Promise.resolve('WebGL context already lost');
  const canvas = gl.canvas as EventTarget | undefined;
  if (!canvas?.addEventListener) return NEVER;
  return new Promise((resolve) => {
    canvas.addEventListener('webglcontextlost', () => resolve('WebGL context lost (webglcontextlost)'), { once: true });
  });
}

interface DeviceLike {
  lost?: Promise<{ reason?: string; message?: string }>;
}

export function watchGPUDevice(device: DeviceLike | null | undefined): Promise<string> {
  if (!device?.lost) return NEVER;
  return device.lost.then(
    (info) => `WebGPU device lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`,
    () => 'WebGPU device lost',
  );
}

/** Errors that mean the GPU went away mid-call (some runtimes throw before their lost event fires). */
export function looksLikeLoss(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /context.?lost|CONTEXT_LOST|device.{0,20}lost|device.{0,20}destroyed|destroyed device|GPUDevice.*(lost|destroyed)/i.test(text);
}

/** Rejects with the loss reason when `lost` settles first: a call on a dead GPU may never finish. */
export function raceLoss<T>(work: Promise<T>, lost: Promise<string>): Promise<T> {
  return Promise.race([work, lost.then((reason) => Promise.reject(new Error(reason)))]);
}
