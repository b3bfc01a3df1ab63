/**
 * Longest main-thread task from a Chromium performance trace (Playwright's
 * browser.startTracing / stopTracing, category devtools.timeline): the
 * `RunTask` events of the renderer's main thread (CrRendererMain). Unlike
 * PerformanceObserver('longtask') this sees tasks under 50 ms, and unlike a
 * timer-gap probe it is not inflated when the OS deschedules the main thread
 * (2 cores shared with workers). Pure.
 */
interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  dur?: number;
  args?: { name?: string };
}

export interface MainThreadTasks {
  /** Longest task, ms (0 if none). */
  longestMs: number;
  tasks: number;
  over10Ms: number;
  over50Ms: number;
}

export function mainThreadTasks(trace: string | Buffer): MainThreadTasks {
  const parsed = JSON.parse(trace.toString()) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  // Several renderers (a spare one, the page's): the page's main thread is the busiest.
  const byThread = new Map<string, number[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.name !== 'RunTask' || e.ph !== 'X' || !mains.has(key)) continue;
    byThread.set(key, [...(byThread.get(key) ?? []), (e.dur ?? 0) / 1000]);
  }
  const tasks = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return { longestMs: Math.max(0, ...tasks), tasks: tasks.length, over10Ms: tasks.filter((d) => d > 10).length, over50Ms: tasks.filter((d) => d > 50).length };
}
