/**
 * Field values with where each came from, layered in tiers: defaults < preset
 * < read from the source < flags. Also the field → flag table every PackError
 * names, the preset and flag layers themselves, and `required`, the error for
 * a field no layer gives.
 */
import { PRESETS } from './presets.js';
import { type PackFlags, PackError } from './types.js';

export const FLAG: Record<string, string> = {
  name: '--name',
  version: '--version',
  description: '--description',
  format: '--kind',
  'files.model': '--model',
  'input.name': '--input-name',
  'input.size': '--size',
  'input.layout': '--layout',
  'input.channels': '--channels',
  'input.resize.mode': '--resize',
  'input.resize.shorterSide': '--shorter-side',
  'input.resize.filter': '--filter',
  'input.resize.anchor': '--anchor',
  'input.resize.padValue': '--pad-value',
  'input.resize.cropOffset': '--crop-offset',
  'input.scale': '--scale',
  'input.mean': '--mean',
  'input.std': '--std',
  'input.colorProfile': '--color-profile',
  'input.orientation': '--orientation',
  'input.alpha': '--alpha',
  'output.name': '--output-name',
  'output.activation': '--activation',
  'output.labelOffset': '--label-offset',
  'output.threshold': '--threshold',
  labels: '--labels',
};

const TIER = { default: 0, preset: 1, read: 2, flag: 3 } as const;
export type Tier = keyof typeof TIER;

/** Field values with their provenance; a higher tier replaces a lower one, the same tier the earlier one. */
export class Fields {
  readonly values = new Map<string, { value: unknown; from: string; tier: number }>();
  set(field: string, value: unknown, from: string, tier: Tier): void {
    if (value === undefined) return;
    const cur = this.values.get(field);
    if (!cur || TIER[tier] >= cur.tier) this.values.set(field, { value, from, tier: TIER[tier] });
  }
  get<T>(field: string): T | undefined {
    return this.values.get(field)?.value as T | undefined;
  }
  from(field: string): string {
    return this.values.get(field)?.from ?? '';
  }
  has(field: string): boolean {
    return this.values.has(field);
  }
  delete(field: string): void {
    this.values.delete(field);
  }
}

/** The --preset layer (preset tier). */
export function applyPreset(f: Fields, flags: PackFlags): void {
  if (!flags.preset) return;
  const p = PRESETS[flags.preset];
  const from = `--preset ${flags.preset}`;
  f.set('input.size', p.size, from, 'preset');
  f.set('input.resize.mode', p.resize?.mode, from, 'preset');
  f.set('input.resize.shorterSide', p.resize?.shorterSide, from, 'preset');
  f.set('input.resize.filter', p.resize?.filter, from, 'preset');
  f.set('input.resize.anchor', p.resize?.anchor, from, 'preset');
  f.set('input.resize.padValue', p.resize?.padValue, from, 'preset');
  f.set('input.scale', p.scale, from, 'preset');
  f.set('input.mean', p.mean, from, 'preset');
  f.set('input.std', p.std, from, 'preset');
  f.set('input.channels', p.channels, from, 'preset');
  f.set('output.activation', p.activation, from, 'preset');
}

/** The flag layer (flag tier): wins over everything read or preset. */
export function applyFlags(f: Fields, flags: PackFlags): void {
  const set = (field: string, value: unknown) => f.set(field, value, FLAG[field] ?? field, 'flag');
  set('name', flags.name);
  set('version', flags.version);
  set('description', flags.description);
  set('input.name', flags.inputName);
  set('input.size', flags.size);
  set('input.layout', flags.layout);
  set('input.channels', flags.channels);
  set('input.resize.mode', flags.resize);
  set('input.resize.shorterSide', flags.shorterSide);
  set('input.resize.filter', flags.filter);
  set('input.resize.anchor', flags.anchor);
  set('input.resize.padValue', flags.padValue);
  set('input.resize.cropOffset', flags.cropOffset);
  set('input.scale', flags.scale);
  set('input.mean', flags.mean);
  set('input.std', flags.std);
  set('input.colorProfile', flags.colorProfile);
  set('input.orientation', flags.orientation);
  set('input.alpha', flags.alpha);
  set('output.name', flags.outputName);
  set('output.activation', flags.activation);
  set('output.labelOffset', flags.labelOffset);
  set('output.threshold', flags.threshold);
  if (flags.labels) f.set('labels', flags.labels, flags.labelsFrom ?? '--labels', 'flag');
}

/** The value of a field some layer must give; none did → a PackError naming the field, why it is needed and its flag. */
export function required<T>(f: Fields, field: string, why: string): T {
  const value = f.get<T>(field);
  if (value === undefined) throw new PackError(field, `not found in the source (${why})`, FLAG[field]);
  return value;
}
