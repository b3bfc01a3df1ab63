/**
 * An already packed folder (manifest.json): its model file is inspected again
 * like any other, and every manifest field it writes is read back at the read
 * tier, so packing a packed folder with flags re-checks and re-writes it.
 */
import { FLAG, type Fields } from './fields.js';
import { applyFacts, type ModelFacts, onnxFacts, tfjsFacts } from './model-facts.js';
import { readJson, readText } from './source-files.js';
import { type PackFlags, PackError, type SourceFiles } from './types.js';

/** A packed folder's manifest.json at the read tier; returns the model facts. */
export async function adaptManifest(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const m = await readJson(files, 'manifest.json');
  const mfiles = (m.files ?? {}) as { model?: string };
  if (typeof mfiles.model !== 'string') throw new PackError('files.model', 'manifest.json has no files.model', '--model');
  const model = flags.model ?? mfiles.model;
  const facts = model.endsWith('.onnx') ? await onnxFacts(files, model, { ...flags, inputName: flags.inputName ?? ((m.input as { name?: string })?.name), outputName: flags.outputName ?? ((m.output as { name?: string })?.name) }) : await tfjsFacts(files, model);
  applyFacts(f, facts, flags);
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const field = prefix ? `${prefix}.${k}` : k;
      if (field === 'input.resize' || field === 'input' || field === 'output') walk(v as Record<string, unknown>, field);
      else if (field in FLAG && field !== 'labels' && field !== 'files.model' && field !== 'format') f.set(field, v, 'manifest.json', 'read');
    }
  };
  walk(m, '');
  if (Array.isArray(m.labels)) f.set('labels', m.labels.map(String), 'manifest.json labels', 'read');
  else if (typeof m.labels === 'string') {
    const raw = await readText(files, m.labels);
    f.set('labels', raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0), `manifest.json labels (${m.labels})`, 'read');
  }
  return facts;
}
