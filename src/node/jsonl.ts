/**
 * The JSON Lines results file of `classify --out`, written so that a run
 * killed at any moment loses and duplicates nothing: every line is one
 * `write` of the whole line with its "\n" on a file opened for appending, and
 * a resumed run first cuts off a trailing line without its "\n" (the one
 * write a kill can interrupt), then skips every file already listed.
 */
import { type FileHandle, open, readFile, truncate } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ClassifierError } from '../errors.js';

/** What a results file already holds. */
export interface ResumeState {
  /** Resolved paths of the files with a line (ok or failed). */
  done: Set<string>;
  /** Those of `done` whose line is an error. */
  failed: Set<string>;
  /** Complete lines kept. */
  lines: number;
  /** Bytes of an unfinished last line that were cut off (0 when there was none). */
  truncatedBytes: number;
}

/**
 * Reads an existing results file (none: nothing done) and truncates an unfinished last line.
 * @throws ClassifierError UNSUPPORTED_INPUT when a complete line is not a result line (not our file?)
 */
export async function readResume(out: string): Promise<ResumeState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(out);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return { done: new Set(), failed: new Set(), lines: 0, truncatedBytes: 0 };
    throw error;
  }
  const end = bytes.lastIndexOf(0x0a) + 1; // 0 when there is no complete line
  const truncatedBytes = bytes.length - end;
  if (truncatedBytes > 0) await truncate(out, end);
  const done = new Set<string>();
  const failed = new Set<string>();
  let lines = 0;
  for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    lines++;
    let parsed: { file?: unknown; error?: unknown } = {};
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      // reported below
    }
    const { file } = parsed;
    if (typeof file !== 'string') {
      throw new ClassifierError('UNSUPPORTED_INPUT', `--out ${out}: line ${lines} is not a classify result line ({"file": ...}); give a new file, or the one an earlier classify run wrote`, {
        details: { path: out, line: lines },
      });
    }
    done.add(resolve(file));
    if (parsed.error !== undefined) failed.add(resolve(file));
  }
  return { done, failed, lines, truncatedBytes };
}

/** Appends whole lines: one write per line, in call order. */
export class LineWriter {
  readonly #handle: FileHandle;

  private constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  static async open(path: string): Promise<LineWriter> {
    return new LineWriter(await open(path, 'a'));
  }

  /** Writes `value` as one JSON line (a single write of the line and its "\n"). */
  async write(value: unknown): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
    let written = 0;
    // A regular file takes the whole buffer in one write; the loop only covers a short write (a full disk says so by throwing).
    while (written < bytes.length) written += (await this.#handle.write(bytes, written)).bytesWritten;
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
