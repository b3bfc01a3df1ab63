/**
 * Remembers which backend 'auto' chose for this device + model, so the next
 * page load starts on it without probing alternatives or measuring again
 * (and, the same way, which model tier fitted the latency budget: tiers.ts).
 * Keyed by model name@version + model file sha256; valid only while the
 * device signature (user agent + GPU descriptions) is the same, so a browser
 * update or a different GPU re-decides. localStorage where there is one
 * (not in workers), else memory for this page.
 */
import type { LocalBackendName } from '../types.js';

export const PREFIX = 'inpage-classifier:backend:v1:';
/** This page's (or worker's) copy; remember-sync.ts carries it across a worker boundary. */
export const memory = new Map<string, string>();

interface Remembered<T> {
  choice: T;
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

/** The decision stored under `key`, if it was made on a device with this signature. */
export function recall<T extends string | number = LocalBackendName>(key: string, signature: string): T | null {
  const raw = storage()?.getItem(key) ?? memory.get(key) ?? null;
  if (!raw) return null;
  try {
    const entry = JSON.parse(raw) as Partial<Remembered<T>>;
    return entry.signature === signature && entry.choice !== undefined ? entry.choice : null;
  } catch {
    return null;
  }
}

export function remember<T extends string | number = LocalBackendName>(key: string, signature: string, choice: T): void {
  const raw = JSON.stringify({ choice, signature, at: Date.now() } satisfies Remembered<T>);
  memory.set(key, raw);
  try {
    storage()?.setItem(key, raw);
  } catch {
    // quota or privacy mode: memory only
  }
}

/** Forgets every remembered backend and model-tier decision (all models). */
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
