/**
 * The demo's drop handling: a dropped folder is read recursively (in the
 * batches readEntries answers with), plain dropped files pass straight
 * through. Browsers cannot synthesise a dropped folder, so the entries are
 * fakes with the FileSystemEntry API's shape. The "Your own model" form
 * keeps each file's path inside the picked or dropped folder.
 */
import { describe, expect, it } from 'vitest';
import { droppedModelFiles, pickedFiles, withoutTopFolder } from '../demo/own-model.js';
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

describe('"Your own model": folder-relative paths of picked and dropped files', () => {
  const picked = (relative: string) => Object.defineProperty(new File(['x'], relative.split('/').pop()!), 'webkitRelativePath', { value: relative });

  it('a webkitdirectory pick: webkitRelativePath minus the picked folder', () => {
    const files = ['my-model/config.json', 'my-model/preprocessor_config.json', 'my-model/onnx/model.onnx'].map(picked);
    expect(pickedFiles(files).map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json', 'onnx/model.onnx']);
  });

  it('loose files (no webkitRelativePath): their names', () => {
    expect(pickedFiles([new File(['1'], 'manifest.json'), new File(['2'], 'model.onnx')]).map((f) => f.path)).toEqual(['manifest.json', 'model.onnx']);
  });

  it('files below different top folders keep them', () => {
    expect(withoutTopFolder([{ path: 'a/x.json', file: new File([], 'x.json') }, { path: 'b/y.json', file: new File([], 'y.json') }]).map((f) => f.path)).toEqual(['a/x.json', 'b/y.json']);
  });

  it('a dropped folder: paths inside it, across readEntries batches, without the folder itself', async () => {
    const tree = [folder('hf-download', [file('config.json'), file('preprocessor_config.json'), folder('onnx', [file('model.onnx'), file('model_quantized.onnx')]), file('README.md')])];
    const paths = (await droppedModelFiles(transfer(tree))).map((f) => f.path);
    expect(paths.sort()).toEqual(['README.md', 'config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'preprocessor_config.json']);
  });

  it('dropped loose files: their names', async () => {
    const plain = [new File(['1'], 'manifest.json'), new File(['2'], 'model.onnx')];
    expect((await droppedModelFiles(transfer([file('manifest.json'), file('model.onnx')], plain))).map((f) => f.path)).toEqual(['manifest.json', 'model.onnx']);
  });
});
