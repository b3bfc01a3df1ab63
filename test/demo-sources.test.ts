/**
 * The demo's drop handling: a dropped folder is read recursively (in the
 * batches readEntries answers with), plain dropped files pass straight
 * through. Browsers cannot synthesise a dropped folder, so the entries are
 * fakes with the FileSystemEntry API's shape.
 */
import { describe, expect, it } from 'vitest';
import { droppedFiles } from '../demo/sources.js';

type Entry = { isFile: boolean; isDirectory: boolean; name: string; file?: (ok: (f: File) => void) => void; createReader?: () => { readEntries: (ok: (e: Entry[]) => void) => void } };

const file = (name: string): Entry => ({ isFile: true, isDirectory: false, name, file: (ok) => ok(new File(['x'], name)) });

/** A folder whose reader answers in batches of two, then an empty batch, as browsers do. */
function folder(name: string, children: Entry[]): Entry {
  return {
    isFile: false, isDirectory: true, name,
    createReader: () => {
      let offset = 0;
      return { readEntries: (ok) => { const batch = children.slice(offset, offset + 2); offset += 2; ok(batch); } };
    },
  };
}

function transfer(entries: Entry[], files: File[] = []): DataTransfer {
  return { items: entries.map((e) => ({ kind: 'file', webkitGetAsEntry: () => e })), files } as unknown as DataTransfer;
}

describe('droppedFiles', () => {
  it('reads dropped folders recursively, across readEntries batches', async () => {
    const tree = [folder('trip', [file('a.jpg'), file('b.jpg'), folder('day2', [file('c.png')]), file('d.webp'), file('e.gif')]), file('top.jpg')];
    const names = (await droppedFiles(transfer(tree))).map((f) => f.name);
    expect(names.sort()).toEqual(['a.jpg', 'b.jpg', 'c.png', 'd.webp', 'e.gif', 'top.jpg']);
  });

  it('plain files: the DataTransfer files as they are', async () => {
    const plain = [new File(['1'], 'one.jpg'), new File(['2'], 'two.jpg')];
    expect((await droppedFiles(transfer([file('one.jpg'), file('two.jpg')], plain))).map((f) => f.name)).toEqual(['one.jpg', 'two.jpg']);
  });
});
