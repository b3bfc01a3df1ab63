/**
 * `classify`'s progress on stderr: on a terminal one line rewritten in place
 * (at most every 100 ms), elsewhere (a log file, CI) a plain line every few
 * seconds; then the summary. Pure formatting plus a clock, so it is tested
 * with a fake stream and clock.
 */
import type { ClassifyProgress, ClassifySummary } from './classify-files.js';

/** The part of a stream progress writes to (process.stderr, or a test double). */
export interface ProgressStream {
  isTTY?: boolean | undefined;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** Milliseconds between plain lines when the stream is not a terminal. @defaultValue 5000 */
  intervalMs?: number;
  /** @defaultValue performance.now */
  now?: () => number;
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** "120/500 (24%), 18.3 images/s, ETA 0:21, 3 failed". */
export function formatProgress(p: ClassifyProgress): string {
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const eta = p.etaMs === undefined ? '' : `, ETA ${formatDuration(p.etaMs / 1000)}`;
  const failed = p.failed ? `, ${p.failed} failed` : '';
  return `classify: ${p.done}/${p.total} (${pct}%), ${p.imagesPerSecond.toFixed(1)} images/s${eta}${failed}`;
}

/** The closing lines: counts, failures by code, skipped, time and rate. */
export function formatSummary(s: ClassifySummary, out?: string): string {
  const codes = Object.entries(s.failedByCode).sort(([, a], [, b]) => (b ?? 0) - (a ?? 0)).map(([code, n]) => `${code} ${n}`);
  const lines = [
    `classify: ${s.found} files with ${s.model}: ${s.ok} ok, ${s.failed} failed${codes.length ? ` (${codes.join(', ')})` : ''}, ${s.skipped} skipped${s.skipped && out ? ` (already in ${out}${s.skippedFailed ? `, ${s.skippedFailed} of them failed` : ''})` : ''}`,
    `classify: ${s.seconds.toFixed(1)} s, ${s.imagesPerSecond.toFixed(1)} images/s${out ? `, results in ${out}` : ''}`,
  ];
  if (s.truncatedBytes) lines.push(`classify: cut an unfinished last line (${s.truncatedBytes} bytes) off ${out ?? 'the results file'} before resuming`);
  if (s.aborted) lines.push(`classify: stopped early; run the same command again to resume${out ? '' : ' (with --out, only the files not done yet)'}`);
  return lines.join('\n');
}

/** Renders progress updates to `stream`. */
export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #tty: boolean;
  readonly #interval: number;
  readonly #now: () => number;
  #last = -Infinity;
  #pending: ClassifyProgress | undefined;
  #shown = false;

  constructor(stream: ProgressStream, options: ProgressOptions = {}) {
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
    this.#interval = this.#tty ? 100 : (options.intervalMs ?? 5000);
    this.#now = options.now ?? (() => performance.now());
  }

  update(p: ClassifyProgress): void {
    this.#pending = p;
    const t = this.#now();
    if (t - this.#last < this.#interval) return;
    this.#last = t;
    this.#render();
  }

  #render(): void {
    if (!this.#pending) return;
    const line = formatProgress(this.#pending);
    this.#stream.write(this.#tty ? `\r\x1b[2K${line}` : `${line}\n`);
    this.#shown = true;
    this.#pending = undefined;
  }

  /** The last state (when not shown yet), and the end of the updating line; then `summary`. */
  finish(summary: string): void {
    if (this.#tty) {
      this.#render();
      if (this.#shown) this.#stream.write('\n');
    }
    this.#stream.write(`${summary}\n`);
  }
}
