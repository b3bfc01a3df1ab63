/**
 * Remembers which backend 'auto' chose for this device + model, so the next
 * page load starts on it without probing alternatives or measuring again.
 * Keyed by model name@version + model file sha256; valid only while the
 * device signature (user agent + GPU descriptions) is the same, so a browser
 * update or a different GPU re-decides. localStorage where there is one
 * (not in workers), else memory for this page.
 */
import type { BackendName } from '../types.js';

export const PREFIX = 'inpage-classifier:backend:v1:';
/** This page's (or worker's) copy; remember-sync.ts carries it across a worker boundary. */
export const memory = new Map<string, string>();

interface Remembered {
  backend: BackendName;
  signature: string;
  at: number;
}

export function storage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'> | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // sandboxed iframes throw on access
  }
}

export function rememberKey(modelId: string, modelSha256: string): string {
  return `${PREFIX}${modelId}:${modelSha256}`;
}

export function recall(key: string, signature: string): BackendName | null {
  const raw = storage()?.getItem(key) ?? memory.get(key) ?? null;
  if (!raw) return null;
  try {
    const entry = JSON.parse(raw) as Remembered;
    return entry.signature === signature ? entry.backend : null;
  } catch {
    return null;
  }
}

export function remember(key: string, signature: string, backend: BackendName): void {
  const raw = JSON.stringify({ backend, signature, at: Date.now() } satisfies Remembered);
  memory.set(key, raw);
  try {
    storage()?.setItem(key, raw);
  } catch {
    // quota or privacy mode: memory only
  }
}

/** Forgets every remembered backend decision (all models). */
export function clearSelectionCache(): void {
  memory.clear();
  const s = storage();
  if (!s) return;
  const keys: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const k = s.key(i);
    if (k?.startsWith(PREFIX)) keys.push(k);
  }
  for (const k of keys) s.removeItem(k);
}
