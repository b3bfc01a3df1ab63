/**
 * A worker has no localStorage, so a classifier made with `worker: true`
 * carries the remembered backend decisions across: the page sends its
 * entries when the worker starts, the worker sends them back (with its new
 * decision) once the classifier is ready, and the page stores them.
 */
import { memory, PREFIX, storage } from './remember.js';

/** Every remembered decision here: localStorage's and this realm's memory. */
export function rememberedEntries(): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(memory);
  const s = storage();
  for (let i = 0; s && i < s.length; i++) {
    const key = s.key(i);
    const value = key?.startsWith(PREFIX) ? s.getItem(key) : null;
    if (key && value) out[key] = value;
  }
  return out;
}

/** Takes over decisions made in another realm (memory, and localStorage where there is one). */
export function adoptRemembered(entries: Record<string, string>): void {
  const s = storage();
  for (const [key, value] of Object.entries(entries)) {
    if (!key.startsWith(PREFIX) || typeof value !== 'string') continue;
    memory.set(key, value);
    try {
      s?.setItem(key, value);
    } catch {
      // quota or privacy mode: memory only
    }
  }
}
