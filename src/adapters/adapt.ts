/**
 * Source folder → manifest draft. Each adapter reads what its source says
 * (Hugging Face configs, Teachable Machine metadata, tfjs model.json, the
 * ONNX graph), every value is kept with where it came from, and the layers
 * are merged: defaults < preset < read from the source < flags. What no layer
 * gives, and what contradicts the model graph, is a PackError naming the
 * manifest field and the flag that sets it. Pure and isomorphic: no node:
 * imports, files come through `SourceFiles`.
 *
 * This module is the entry: it picks the adapter and runs the layers in order.
 * The pieces: fields.ts (values with provenance, tiers, flag names),
 * model-facts.ts (what the ONNX / tfjs model file fixes), huggingface.ts,
 * teachable-machine.ts, packed-manifest.ts (what each source says),
 * assemble.ts (merge + checks → manifest draft), source-files.ts (paths, JSON).
 */
import { assemble, presetWarnings } from './assemble.js';
import { applyFlags, applyPreset, Fields } from './fields.js';
import { adaptHuggingFace } from './huggingface.js';
import { applyFacts, isTfjsModelJson, type ModelFacts, onnxFacts, pickModel, rejectExternalData, tfjsFacts } from './model-facts.js';
import { adaptManifest } from './packed-manifest.js';
import { dirnameOf, relativeTo } from './source-files.js';
import { adaptTeachableMachine } from './teachable-machine.js';
import { type AdaptResult, type InferredRow, type PackFlags, PackError, type SourceFiles, type SourceKind } from './types.js';

/** Which adapter a file listing calls for (by names only). */
export function detectSourceKind(files: SourceFiles | readonly string[]): SourceKind {
  const list = Array.isArray(files) ? (files as readonly string[]) : (files as SourceFiles).list();
  const names = new Set(list);
  if (names.has('manifest.json')) return 'manifest';
  const jsons = list.filter((p) => p.endsWith('.json'));
  if (names.has('metadata.json') && names.has('model.json')) return 'teachable-machine';
  if (names.has('config.json') || names.has('preprocessor_config.json')) return 'huggingface';
  if (names.has('model.json') || jsons.some((p) => !/(^|\/)(package|metadata|config|tokenizer.*|.*_config)\.json$/.test(p))) return 'tfjs';
  if (list.some((p) => p.endsWith('.onnx'))) return 'onnx';
  throw new PackError('files.model', `no model found among ${list.length} files (${list.slice(0, 8).join(', ')}${list.length > 8 ? ', ...' : ''}): expected manifest.json, a Hugging Face folder (config.json), a Teachable Machine export (model.json + metadata.json), a tfjs model.json or an .onnx file`, '--model');
}

/**
 * Reads a model folder and maps it to a manifest draft.
 * @param files - the folder (paths relative to it, '/'-separated)
 * @param flags - overrides and the missing pieces (labels, preprocessing of bare models)
 * @throws PackError naming the field and the flag for anything that cannot be mapped
 */
export async function adaptSource(files: SourceFiles, flags: PackFlags & { sourceName?: string } = {}): Promise<AdaptResult> {
  const kind = flags.kind ?? detectSourceKind(files);
  const f = new Fields();
  applyPreset(f, flags);
  let facts: ModelFacts;
  if (kind === 'huggingface') facts = await adaptHuggingFace(files, flags, f);
  else if (kind === 'teachable-machine') facts = await adaptTeachableMachine(files, flags, f);
  else if (kind === 'manifest') facts = await adaptManifest(files, flags, f);
  else if (kind === 'tfjs') {
    facts = await tfjsFacts(files, pickModel(files, flags, isTfjsModelJson, 'tfjs model .json files'));
    applyFacts(f, facts, flags);
  } else {
    facts = await onnxFacts(files, pickModel(files, flags, (p) => p.endsWith('.onnx'), '.onnx files'), flags);
    applyFacts(f, facts, flags);
  }
  rejectExternalData(files, facts);
  applyFlags(f, flags);
  const { manifest, rows, labels } = assemble(f, facts, kind, flags.sourceName ?? '');
  const modelFiles = [facts.file, ...facts.shards];
  const base = dirnameOf(facts.file);
  const targets = Object.fromEntries(modelFiles.map((p) => [p, p === facts.file ? manifest.files.model : relativeTo(base, p)]));
  const warnings = presetWarnings(flags, facts, manifest);
  return { kind, manifest, inferred: rows, files: modelFiles, targets, labels, warnings };
}

/** The inferred table as aligned text: field | value | from. */
export function formatInferred(rows: readonly InferredRow[]): string {
  const header = { field: 'field', value: 'value', from: 'from' };
  const all = [header, ...rows];
  const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
  const wf = Math.max(...all.map((r) => r.field.length));
  const wv = Math.max(...all.map((r) => clip(r.value).length));
  return all.map((r) => `${r.field.padEnd(wf)} | ${clip(r.value).padEnd(wv)} | ${r.from}`).join('\n');
}
