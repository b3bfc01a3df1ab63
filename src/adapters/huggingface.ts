/**
 * Hugging Face / transformers.js folders: the model variant (onnx/model.onnx,
 * model_<variant>.onnx, or a tfjs model.json), labels from config.json
 * (id2label, label_names), and the preprocessing, read the way transformers'
 * image processors apply it (preprocessor_config.json: resize, centre crop,
 * crop_pct, rescale, normalise, BGR flip) or, without it, the way timm
 * applies config.json's pretrained_cfg (crop_pct, crop_mode, interpolation).
 */
import type { ResampleFilter } from '../types.js';
import { FLAG, type Fields } from './fields.js';
import { applyFacts, CHANNELS_OF, isFixed, isTfjsModelJson, type ModelFacts, onnxFacts, pickModel, shapeFor, tfjsFacts } from './model-facts.js';
import { basename, readJson } from './source-files.js';
import { type PackFlags, PackError, type SourceFiles } from './types.js';

const PIL_FILTERS: Record<number, ResampleFilter> = { 0: 'nearest', 1: 'lanczos', 2: 'bilinear', 3: 'bicubic', 4: 'box', 5: 'hamming' };
/** Image processors whose int `size` means the shortest edge (transformers get_size_dict(default_to_square=False)). */
const SHORTEST_EDGE_PROCESSORS = /CLIP|ConvNext|Bit|MobileNetV[12]|Levit|PoolFormer|EfficientFormer|ChineseCLIP|Owl/i;

type HfSize = { height: number; width: number } | { shortest: number };

function hfSize(value: unknown, key: string, squareDefault: boolean): HfSize {
  const from = `preprocessor_config.json ${key}`;
  if (typeof value === 'number') return squareDefault ? { height: value, width: value } : { shortest: value };
  const o = value as Record<string, unknown> | null;
  if (o && typeof o === 'object') {
    if (isFixed(o.height) && isFixed(o.width)) return { height: o.height, width: o.width };
    if (isFixed(o.shortest_edge) && o.longest_edge === undefined) return { shortest: o.shortest_edge };
  }
  throw new PackError('input.size', `${from} ${JSON.stringify(value)} is not one of {height, width}, {shortest_edge} or a number`, '--size');
}

async function hfVariant(files: SourceFiles, flags: PackFlags): Promise<string> {
  if (flags.model !== undefined) return pickModel(files, flags, (p) => p.endsWith('.onnx'), '.onnx files');
  const onnx = files.list().filter((p) => /^(onnx\/)?model(_[\w-]+)?\.onnx$/.test(p));
  const variant = (p: string) => /model(?:_([\w-]+))?\.onnx$/.exec(p)![1] ?? 'default';
  const variants = onnx.map(variant);
  const wanted = flags.variant ?? 'default';
  const hits = onnx.filter((p) => variant(p) === wanted || (wanted === 'fp32' && variant(p) === 'default'));
  const hit = hits.find((p) => p.startsWith('onnx/')) ?? hits[0];
  if (hit) return hit;
  if (!onnx.length) {
    const tfjs = files.list().filter(isTfjsModelJson);
    if (tfjs.length === 1 && flags.variant === undefined) return tfjs[0]!;
    throw new PackError('files.model', `no onnx/model.onnx (or model_<variant>.onnx) in the Hugging Face folder${files.list().some((p) => /\.(safetensors|bin)$/.test(p)) ? ': it holds PyTorch weights only; export it to ONNX first (optimum-cli export onnx, or transformers.js\'s convert script)' : ''}`, '--model');
  }
  throw new PackError('files.model', flags.variant === undefined ? `no onnx/model.onnx; variants found: ${variants.join(', ')}: pick one` : `no "${flags.variant}" variant (onnx/model_${flags.variant}.onnx); variants found: ${variants.join(', ')}`, '--variant');
}

function hfLabels(config: Record<string, unknown>, f: Fields): void {
  if (Array.isArray(config.label_names)) {
    f.set('labels', (config.label_names as unknown[]).map(String), 'config.json label_names', 'read');
    return;
  }
  const id2label = config.id2label as Record<string, unknown> | undefined;
  if (!id2label || typeof id2label !== 'object') return;
  const entries = Object.entries(id2label).map(([k, v]) => [Number(k), String(v)] as const).sort((a, b) => a[0] - b[0]);
  entries.forEach(([k], i) => {
    if (k !== i) throw new PackError('labels', `config.json id2label is not indexed 0..${entries.length - 1} (key ${k} at position ${i})`, '--labels');
  });
  f.set('labels', entries.map(([, v]) => v), 'config.json id2label', 'read');
}

/** timm's pretrained_cfg: Resize(floor(H / crop_pct)) + CenterCrop(H), ToTensor, Normalize. */
function timmPreprocessing(cfg: Record<string, unknown>, f: Fields): void {
  const from = (k: string) => `config.json pretrained_cfg.${k}`;
  const inputSize = cfg.input_size as unknown[] | undefined;
  if (!Array.isArray(inputSize) || inputSize.length !== 3 || !inputSize.every(isFixed)) throw new PackError('input.size', `${from('input_size')} ${JSON.stringify(inputSize)} is not [C, H, W]`, '--size');
  const [c, h, w] = inputSize as [number, number, number];
  f.set('input.size', [h, w], from('input_size'), 'read');
  f.set('input.layout', 'NCHW', 'timm (PyTorch NCHW)', 'default');
  if (CHANNELS_OF[c]) f.set('input.channels', CHANNELS_OF[c], from('input_size'), 'read');
  const interp = String(cfg.interpolation ?? 'bilinear');
  if (!['bilinear', 'bicubic', 'nearest', 'lanczos', 'box', 'hamming'].includes(interp)) throw new PackError('input.resize.filter', `${from('interpolation')} "${interp}" has no Pillow equivalent`, '--filter');
  f.set('input.resize.filter', interp, cfg.interpolation === undefined ? 'timm default (bilinear)' : from('interpolation'), 'read');
  const cropPct = typeof cfg.crop_pct === 'number' ? cfg.crop_pct : 0.875;
  const mode = String(cfg.crop_mode ?? 'center');
  if (mode === 'squash' && cropPct === 1) {
    f.set('input.resize.mode', 'stretch', `${from('crop_mode')} squash, crop_pct 1`, 'read');
  } else if (mode !== 'center') {
    throw new PackError('input.resize.mode', `${from('crop_mode')} "${mode}" (with crop_pct ${cropPct}) has no manifest equivalent: only "center" (and "squash" with crop_pct 1)`, '--resize');
  } else {
    if (h !== w) throw new PackError('input.resize.mode', `${from('input_size')} is not square (${h}x${w}): timm then resizes to (floor(H/crop_pct), floor(W/crop_pct)) ignoring aspect, which the manifest cannot express`, '--resize');
    f.set('input.resize.mode', 'crop', `${from('crop_mode')} center`, 'read');
    f.set('input.resize.shorterSide', Math.floor(h / cropPct), `${from('crop_pct')} ${cropPct}: floor(${h} / ${cropPct})`, 'read');
    f.set('input.resize.cropOffset', 'round', 'timm uses torchvision CenterCrop', 'read');
  }
  f.set('input.scale', 1 / 255, 'timm ToTensor (/255)', 'read');
  if (cfg.mean === undefined || cfg.std === undefined) throw new PackError(cfg.mean === undefined ? 'input.mean' : 'input.std', `config.json pretrained_cfg has no ${cfg.mean === undefined ? 'mean' : 'std'}`, cfg.mean === undefined ? '--mean' : '--std');
  f.set('input.mean', cfg.mean, from('mean'), 'read');
  f.set('input.std', cfg.std, from('std'), 'read');
  f.set('output.activation', 'softmax', 'timm classifiers output logits', 'read');
}

function hfPreprocessing(p: Record<string, unknown>, facts: ModelFacts, f: Fields, flags: PackFlags): void {
  const P = 'preprocessor_config.json';
  const type = String(p.image_processor_type ?? p.feature_extractor_type ?? '');
  f.set('input.layout', 'NCHW', `${P} (transformers pixel_values are NCHW)`, 'default');
  if (p.do_flip_channel_order === true) f.set('input.channels', 'BGR', `${P} do_flip_channel_order`, 'read');
  else f.set('input.channels', 'RGB', `${P} ${p.do_convert_rgb === false ? 'do_convert_rgb false (RGB assumed)' : 'do_convert_rgb'}`, 'default');
  // resample
  if (p.resample !== undefined) {
    const filter = PIL_FILTERS[p.resample as number];
    if (!filter) throw new PackError('input.resize.filter', `${P} resample ${JSON.stringify(p.resample)} is not a PIL resampling code (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming)`, '--filter');
    f.set('input.resize.filter', filter, `${P} resample ${String(p.resample)}`, 'read');
  } else {
    f.set('input.resize.filter', 'bilinear', `${P} has no resample (bilinear assumed)`, 'default');
  }
  // geometry
  if (p.do_resize === false) {
    if (!flags.resize) throw new PackError('input.resize.mode', `${P} do_resize is false: the processor expects images already at the model size, so say how to get there`, '--resize');
  } else {
    const cropPct = typeof p.crop_pct === 'number' ? p.crop_pct : undefined;
    const squareDefault = !(p.do_center_crop === true || cropPct !== undefined || SHORTEST_EDGE_PROCESSORS.test(type));
    if (p.size === undefined) throw new PackError('input.size', `${P} has no size`, '--size');
    const size = hfSize(p.size, 'size', squareDefault);
    const sizeText = `${P} size ${JSON.stringify(p.size)}`;
    if (p.do_center_crop === true) {
      if (p.crop_size === undefined) throw new PackError('input.size', `${P} do_center_crop without crop_size`, '--size');
      const crop = hfSize(p.crop_size, 'crop_size', true) as { height: number; width: number };
      const cropText = `${P} crop_size ${JSON.stringify(p.crop_size)}`;
      if ('shortest' in size) {
        f.set('input.resize.mode', 'crop', `${P} do_center_crop + size.shortest_edge`, 'read');
        f.set('input.resize.shorterSide', size.shortest, sizeText, 'read');
        f.set('input.size', [crop.height, crop.width], cropText, 'read');
        f.set('input.resize.cropOffset', 'floor', `${P} center crop ((h - crop) // 2)`, 'read');
      } else if (size.height === crop.height && size.width === crop.width) {
        f.set('input.resize.mode', 'stretch', `${sizeText} = crop_size`, 'read');
        f.set('input.size', [size.height, size.width], sizeText, 'read');
      } else if (!flags.resize) {
        throw new PackError('input.resize.mode', `${sizeText} then ${cropText}: the processor stretches to ${size.height}x${size.width} (ignoring aspect) and then crops, which the manifest cannot express`, '--resize');
      } else {
        f.set('input.size', [crop.height, crop.width], cropText, 'read');
      }
    } else if ('shortest' in size && cropPct !== undefined) {
      // ConvNextImageProcessor.resize: below 384, resize the shorter side to int(shortest_edge / crop_pct) and center-crop; else warp.
      const se = size.shortest;
      f.set('input.size', [se, se], sizeText, 'read');
      if (se < 384) {
        f.set('input.resize.mode', 'crop', `${P} crop_pct ${cropPct} (ConvNeXt: shortest_edge < 384)`, 'read');
        f.set('input.resize.shorterSide', Math.floor(se / cropPct), `${P} crop_pct ${cropPct}: int(${se} / ${cropPct})`, 'read');
        f.set('input.resize.cropOffset', 'floor', `${P} center crop ((h - crop) // 2)`, 'read');
      } else {
        f.set('input.resize.mode', 'stretch', `${P} crop_pct ignored (ConvNeXt: shortest_edge >= 384 warps to ${se}x${se})`, 'read');
      }
    } else if ('shortest' in size) {
      const { h, w } = shapeFor(facts.dims, 'NCHW');
      f.set('input.resize.shorterSide', size.shortest, sizeText, 'read');
      if (!flags.resize) {
        const fixed = isFixed(h) && isFixed(w);
        throw new PackError(
          'input.resize.mode',
          fixed
            ? `${sizeText} without a center crop keeps the aspect ratio, so Hugging Face feeds a variable-size image, but ${facts.dimsFrom} is fixed at ${String(h)}x${String(w)}: the processor and the ONNX graph disagree; choose how images reach ${String(h)}x${String(w)} (e.g. --resize crop)`
            : `${sizeText} without a center crop keeps the aspect ratio (a variable-size input; ${facts.dimsFrom} has dynamic H/W), but a manifest has one fixed size: choose --size HxW and --resize (e.g. --resize crop --size ${size.shortest}x${size.shortest})`,
          '--resize',
        );
      }
    } else {
      f.set('input.resize.mode', 'stretch', `${sizeText} (no center crop: resized to exactly that)`, 'read');
      f.set('input.size', [size.height, size.width], sizeText, 'read');
    }
  }
  // pixel values
  const rescale = p.do_rescale !== false;
  f.set('input.scale', rescale ? (typeof p.rescale_factor === 'number' ? p.rescale_factor : 1 / 255) : 1, rescale ? `${P} ${p.rescale_factor === undefined ? 'do_rescale (default 1/255)' : 'rescale_factor'}` : `${P} do_rescale false`, 'read');
  if (p.do_normalize === false) {
    f.set('input.mean', 0, `${P} do_normalize false`, 'read');
    f.set('input.std', 1, `${P} do_normalize false`, 'read');
  } else {
    for (const [key, field] of [['image_mean', 'input.mean'], ['image_std', 'input.std']] as const) {
      const value = p[key];
      if (value === undefined) throw new PackError(field, `${P} do_normalize without ${key}`, FLAG[field]);
      // HF normalises in RGB and flips to BGR afterwards; the manifest lists values in `channels` order.
      const flipped = Array.isArray(value) && p.do_flip_channel_order === true ? [...(value as number[])].reverse() : value;
      f.set(field, flipped, `${P} ${key}${flipped !== value ? ' (reversed for BGR)' : ''}`, 'read');
    }
  }
}

/** A Hugging Face folder's model, labels and preprocessing at the read tier; returns the model facts. */
export async function adaptHuggingFace(files: SourceFiles, flags: PackFlags, f: Fields): Promise<ModelFacts> {
  const names = new Set(files.list());
  const config = names.has('config.json') ? await readJson(files, 'config.json') : {};
  const timm = (config.pretrained_cfg as Record<string, unknown> | undefined) ?? undefined;
  if (!names.has('preprocessor_config.json') && !timm) {
    throw new PackError('input', 'preprocessor_config.json is missing from the Hugging Face folder (and config.json has no timm pretrained_cfg): it holds the resize and normalisation; add it, or pack the .onnx alone with --kind onnx and --preset or flags', '--kind onnx');
  }
  const modelFile = await hfVariant(files, flags);
  const facts = modelFile.endsWith('.onnx') ? await onnxFacts(files, modelFile, flags) : await tfjsFacts(files, modelFile);
  applyFacts(f, facts, flags);
  hfLabels(config, f);
  if (names.has('preprocessor_config.json')) {
    hfPreprocessing(await readJson(files, 'preprocessor_config.json'), facts, f, flags);
    f.set('output.activation', config.problem_type === 'multi_label_classification' ? 'sigmoid' : 'softmax', config.problem_type ? `config.json problem_type ${String(config.problem_type)}` : 'config.json (no problem_type: single-label, logits)', 'read');
  } else {
    timmPreprocessing(timm!, f);
  }
  // A graph that already ends in softmax wins over the config's "logits".
  if (facts.endsIn) f.set('output.activation', 'none', `${facts.endsInFrom} (already probabilities)`, 'read');
  const name = typeof config._name_or_path === 'string' && config._name_or_path ? basename(config._name_or_path) : undefined;
  f.set('name', name, 'config.json _name_or_path', 'read');
  return facts;
}
