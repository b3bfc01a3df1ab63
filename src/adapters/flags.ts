/**
 * `pack` command-line flags → PackFlags (pure: file paths are returned, not read).
 * Every bad value is a PackError naming the flag and what it accepts.
 */
import type { ChannelOrder, ResampleFilter, ResizeMode } from '../types.js';
import { isPresetName, PRESETS } from './presets.js';
import { type PackFlags, PackError, type SourceKind } from './types.js';

export interface ParsedPackArgs {
  flags: PackFlags;
  /** Positional arguments (the source). */
  positional: string[];
  out?: string | undefined;
  /** `--labels <file>`: read by the caller into flags.labels. */
  labelsFile?: string | undefined;
  onnxTwin: boolean;
  /** --uint8: also write <dir>-uint8/ with uint8-stored weights (repository checkout only). */
  uint8: boolean;
  /** `--check <photo or folder>...` */
  check: string[];
}

export const PACK_FLAGS_USAGE = `source:
  --kind huggingface|teachable-machine|tfjs|onnx|manifest   (default: detected)
  --model <file>        which file in the source is the model
  --variant <name>      Hugging Face ONNX variant: quantized → onnx/model_quantized.onnx, fp16, int8, ...
  --preset ${Object.keys(PRESETS).join('|')}
input:
  --size HxW  --layout NCHW|NHWC  --channels RGB|BGR|L|RGBA  --input-name <name>
  --resize crop|stretch|letterbox|fit-height  --shorter-side N  --crop-offset round|floor
  --filter bilinear|bicubic|lanczos|box|hamming|nearest  --anchor center|left  --pad-value V
  --scale S  --mean a,b,c|m  --std a,b,c|s
  --color-profile convert|ignore  --orientation apply|ignore  --alpha composite|drop
output:
  --activation softmax|sigmoid|none  --label-offset N  --threshold T  --output-name <name>
  --labels <file>       one label per line, in output order
manifest:
  --name <name>  --version <version>  --description <text>`;

function oneOf<const T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new PackError(flagField(flag), `${flag} ${value} is not one of ${allowed.join(', ')}`, flag);
  return value as T;
}

function flagField(flag: string): string {
  return `flag ${flag}`;
}

function num(flag: string, value: string, { integer = false, positive = false } = {}): number {
  // Fractions like 1/255 are accepted, since scales are usually written that way.
  const frac = /^\s*(-?[\d.]+(?:e-?\d+)?)\s*\/\s*([\d.]+(?:e-?\d+)?)\s*$/i.exec(value);
  const n = frac ? Number(frac[1]) / Number(frac[2]) : Number(value);
  if (!Number.isFinite(n) || value.trim() === '' || (integer && !Number.isInteger(n)) || (positive && n <= 0)) {
    throw new PackError(flagField(flag), `${flag} ${value} is not ${positive ? 'a positive ' : 'a '}${integer ? 'integer' : 'number'}`, flag);
  }
  return n;
}

function numbers(flag: string, value: string): number | number[] {
  const parts = value.split(',').map((s) => s.trim());
  const list = parts.map((p) => num(flag, p));
  return list.length === 1 ? list[0]! : list;
}

function size(flag: string, value: string): [number, number] {
  const m = /^(\d+)\s*[xX×,]\s*(\d+)$/.exec(value.trim());
  if (m) return [num(flag, m[1]!, { integer: true, positive: true }), num(flag, m[2]!, { integer: true, positive: true })];
  if (/^\d+$/.test(value.trim())) {
    const n = num(flag, value, { integer: true, positive: true });
    return [n, n];
  }
  throw new PackError(flagField(flag), `${flag} ${value} is not HxW (height x width, e.g. 224x224)`, flag);
}

/** Parses the arguments after `pack`. */
export function parsePackArgs(argv: readonly string[]): ParsedPackArgs {
  const flags: PackFlags = {};
  const out: ParsedPackArgs = { flags, positional: [], onnxTwin: false, uint8: false, check: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag === '--onnx-twin') {
      out.onnxTwin = true;
      continue;
    }
    if (flag === '--uint8') {
      out.uint8 = true;
      continue;
    }
    if (flag === '--check') {
      if (eq > 0) out.check.push(arg.slice(eq + 1));
      while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.check.push(argv[++i]!);
      if (!out.check.length) throw new PackError(flagField(flag), '--check needs photos or a folder of photos', flag);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--') && !/^--?\d/.test(value))) throw new PackError(flagField(flag), `${flag} needs a value`, flag);
    switch (flag) {
      case '--out': out.out = value; break;
      case '--labels': out.labelsFile = value; break;
      case '--kind': flags.kind = oneOf<SourceKind>(flag, value, ['huggingface', 'teachable-machine', 'tfjs', 'onnx', 'manifest']); break;
      case '--model': flags.model = value; break;
      case '--variant': flags.variant = value; break;
      case '--preset':
        if (!isPresetName(value)) throw new PackError(flagField(flag), `--preset ${value} is not one of ${Object.keys(PRESETS).join(', ')}`, flag);
        flags.preset = value;
        break;
      case '--size': flags.size = size(flag, value); break;
      case '--layout': flags.layout = oneOf(flag, value.toUpperCase(), ['NCHW', 'NHWC']); break;
      case '--channels': flags.channels = oneOf<ChannelOrder>(flag, value.toUpperCase(), ['RGB', 'BGR', 'L', 'RGBA']); break;
      case '--resize': flags.resize = oneOf<ResizeMode>(flag, value, ['crop', 'stretch', 'letterbox', 'fit-height']); break;
      case '--shorter-side': flags.shorterSide = num(flag, value, { integer: true, positive: true }); break;
      case '--filter': flags.filter = oneOf<ResampleFilter>(flag, value, ['bilinear', 'bicubic', 'lanczos', 'box', 'hamming', 'nearest']); break;
      case '--crop-offset': flags.cropOffset = oneOf(flag, value, ['round', 'floor']); break;
      case '--scale': flags.scale = num(flag, value); break;
      case '--mean': flags.mean = numbers(flag, value); break;
      case '--std': flags.std = numbers(flag, value); break;
      case '--activation': flags.activation = oneOf(flag, value, ['softmax', 'sigmoid', 'none']); break;
      case '--label-offset': flags.labelOffset = num(flag, value, { integer: true }); break;
      case '--threshold': flags.threshold = num(flag, value); break;
      case '--name': flags.name = value; break;
      case '--version': flags.version = value; break;
      case '--description': flags.description = value; break;
      case '--input-name': flags.inputName = value; break;
      case '--output-name': flags.outputName = value; break;
      case '--color-profile': flags.colorProfile = oneOf(flag, value, ['convert', 'ignore']); break;
      case '--orientation': flags.orientation = oneOf(flag, value, ['apply', 'ignore']); break;
      case '--alpha': flags.alpha = oneOf(flag, value, ['composite', 'drop']); break;
      case '--pad-value': flags.padValue = num(flag, value); break;
      case '--anchor': flags.anchor = oneOf(flag, value, ['center', 'left']); break;
      default:
        throw new PackError(flagField(flag), `unknown flag ${flag}`, flag);
    }
  }
  return out;
}
