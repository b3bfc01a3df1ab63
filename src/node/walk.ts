/**
 * The files `classify` looks at: every path given, folders walked
 * recursively (symlinks followed, each real folder once; names starting with
 * '.' and node_modules skipped inside folders), deduplicated by real path and
 * sorted by path (code units, so the order never depends on the locale or on
 * the order the file system lists entries in). Every file is listed, whatever
 * its name: whether it is an image is decided by its bytes later.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassifierError } from '../errors.js';

const SKIP_DIRS = new Set(['node_modules']);

/** Sorts paths by UTF-16 code units (not `localeCompare`): the same order on every machine. */
export function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * @param paths - files and folders, as the user wrote them (relative paths stay relative in the result)
 * @throws ClassifierError UNSUPPORTED_INPUT for a path that does not exist (`details.path`)
 */
export async function listFiles(paths: readonly string[]): Promise<string[]> {
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  const out: string[] = [];
  const addFile = async (path: string) => {
    const real = await realpath(path);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    out.push(path);
  };
  const walk = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return; // a symlink loop, or the same folder named twice
    seenDirs.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => byPath(a.name, b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
      const path = join(dir, entry.name);
      const info = entry.isSymbolicLink() ? await stat(path).catch(() => undefined) : entry;
      if (!info) continue; // a dangling link
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) await addFile(path);
    }
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new ClassifierError('UNSUPPORTED_INPUT', `${path} does not exist`, { details: { path } });
    if (info.isDirectory()) await walk(path);
    else await addFile(path);
  }
  return out.sort(byPath);
}
