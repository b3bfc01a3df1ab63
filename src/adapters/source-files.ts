/**
 * Paths inside a source folder ('/'-separated, folder-relative) and reading
 * its text and JSON files through `SourceFiles`; no node: path or fs, so the
 * adapters run in a browser too.
 */
import { PackError, type SourceFiles } from './types.js';

export function basename(path: string): string {
  return path.split('/').pop() ?? path;
}
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
export function join(dir: string, file: string): string {
  const parts = (dir ? `${dir}/${file}` : file).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  return out.join('/');
}
export function relativeTo(dir: string, path: string): string {
  return dir && path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
}

const text = new TextDecoder();

/** A text file of the source (UTF-8). */
export async function readText(files: SourceFiles, path: string): Promise<string> {
  return text.decode(await files.read(path));
}

/** A JSON file of the source; invalid JSON is a PackError naming the file. */
export async function readJson(files: SourceFiles, path: string): Promise<Record<string, unknown>> {
  const bytes = await files.read(path);
  try {
    return JSON.parse(text.decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw new PackError(path, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
