/**
 * uint8 weight storage for an ONNX model: each large float initializer is
 * stored as a UINT8 initializer plus a dequantization subgraph
 *   Cast(to=FLOAT) → Mul(scale) → Add(min) [→ Mul(channel factor)]
 * whose output has the initializer's original name, so the rest of the graph
 * is untouched. Every input of that subgraph is a constant, so onnxruntime
 * constant-folds it when the session is created and then runs the same fp32
 * graph as before (the download is ~4× smaller; inference is not quantized).
 *
 * Where the (scale, min) is known — the tfjs model an ONNX twin was converted
 * from stores its weights uint8-quantized (`q * scale + min`, computed in JS
 * doubles and stored as float32) — `tfjsQuantization` recovers the exact
 * uint8 codes, and the subgraph computes in doubles like tfjs does:
 *   Cast(to=DOUBLE) → Mul(scale: double) → Add(min: double) → Cast(to=FLOAT) [→ Mul(factor)]
 * which reproduces tfjs's float32 values bit for bit (float32 Mul/Add cannot:
 * no float32 (scale, min) pair matches JS's double rounding for all 256 codes;
 * it would be off by 1 ulp on about half of them). The converter's BatchNorm
 * folding becomes the per-output-channel factor, a float32 Mul that is exact
 * because the converter did the same float32 product. Elsewhere (a generic ONNX
 * model) each tensor is quantized here: asymmetric uint8, scale = (max-min)/255,
 * per tensor or per output channel (axis 0); a group whose values already lie
 * on a grid of ≤ 256 levels (a model that was int8-quantized and dequantized
 * back) keeps that grid's step, so it is stored within float32 rounding.
 * Protobuf via onnx-proto (protobufjs static code). Node/tools only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;

export type Uint8Mode = 'tfjs' | 'per-tensor' | 'per-channel';

/**
 * A weight whose uint8 codes and dequantization are known (e.g. from tfjs):
 * value = fround(q*scale + min) in doubles (`float64`), else fround(fround(q*scale) + min) in float32;
 * then × factor[axis-0 index] in float32 where given.
 */
export interface KnownQuantization {
  /** Codes in the ONNX initializer's layout (row-major over its dims). */
  q: Uint8Array;
  scale: number;
  min: number;
  /** Dequantize in doubles (scale/min stored as DOUBLE, then Cast to FLOAT), as tfjs does. */
  float64?: boolean;
  /** Per axis-0 multiplier (a folded BatchNorm's gamma/sqrt(var+eps)), float32. */
  factor?: Float32Array;
}

export interface Uint8TensorReport {
  name: string;
  elements: number;
  mode: Uint8Mode;
  /** Max |dequantized − original fp32| over the tensor (0 = bit-identical, see `exact`). */
  maxAbsError: number;
  /** Elements whose dequantized float32 differs from the original's bits. */
  mismatches: number;
  /** Quantization groups (channels, or 1 per tensor) whose values already lay on a ≤ 256-level grid, kept on it (generic modes). */
  groupsOnGrid?: number;
  groups: number;
}

export interface Uint8Report {
  /** The mode used for the tensors not covered by `known` (the fallback). */
  fallback: 'per-tensor' | 'per-channel';
  tensors: Uint8TensorReport[];
  /** Float initializers left as they were (small, or rank 1: biases, BN vectors). */
  keptFloat: number;
  bytesIn: number;
  bytesOut: number;
  /** True when every dequantized element equals the original fp32 bits. */
  bitIdentical: boolean;
}

export interface Uint8Options {
  /** Smallest initializer (elements) to store as uint8. @defaultValue 1024 */
  minElements?: number;
  /** Exact quantization per initializer name (see `tfjsQuantization`); used as given. */
  known?: Map<string, KnownQuantization>;
  /** Quantization of the other large initializers (rank ≥ 2 only: biases stay fp32). @defaultValue 'per-channel' */
  fallback?: 'per-tensor' | 'per-channel';
}

const f32 = Math.fround;

/** A float initializer's values (raw_data or float_data). */
export function floatData(t: TensorProto): Float32Array {
  // Copy: protobufjs may hand out a (Node Buffer) view into the model bytes, unaligned.
  if (t.rawData && t.rawData.length) return new Float32Array(Uint8Array.from(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

const dimsOf = (t: TensorProto) => (t.dims ?? []).map(Number);
const count = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** What ONNX computes for a code with the given constants (the dequantization subgraph, in float32). */
export function dequantize(k: KnownQuantization, channel: number): (q: number) => number {
  const a = k.factor?.[channel];
  const base = k.float64 ? (q: number) => f32(q * k.scale + k.min) : (q: number) => f32(f32(q * k.scale) + k.min);
  return a === undefined ? base : (q) => f32(base(q) * a);
}

/**
 * The step of the grid `values` already lie on, when they take at most 256 levels of one
 * (weights that were int8/uint8-quantized before, e.g. a dequantized QDQ model): (max-min)/n.
 */
function existingGrid(values: Float32Array, lo: number, hi: number): number | undefined {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length < 2 || distinct.length > 256) return undefined;
  let gap = Infinity;
  for (let i = 1; i < distinct.length; i++) gap = Math.min(gap, distinct[i]! - distinct[i - 1]!);
  // The smallest gap may span several levels (a channel need not use every level).
  for (let k = 1; k <= 8; k++) {
    const n = Math.round(((hi - lo) / gap) * k);
    if (n > 255) return undefined;
    const step = (hi - lo) / n;
    if (distinct.every((v) => Math.abs((v - lo) / step - Math.round((v - lo) / step)) < 1e-3)) return step;
  }
  return undefined;
}

/** Asymmetric uint8 of `data` in `groups` contiguous rows (1 = per tensor); on a group's existing grid where it has one. */
function quantizeGeneric(data: Float32Array, groups: number): { q: Uint8Array; scale: Float32Array; min: Float32Array; onGrid: number } {
  const per = data.length / groups;
  const q = new Uint8Array(data.length);
  const scale = new Float32Array(groups);
  const min = new Float32Array(groups);
  let onGrid = 0;
  for (let g = 0; g < groups; g++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = g * per; i < (g + 1) * per; i++) {
      lo = Math.min(lo, data[i]!);
      hi = Math.max(hi, data[i]!);
    }
    const grid = hi > lo ? existingGrid(data.subarray(g * per, (g + 1) * per), lo, hi) : undefined;
    if (grid !== undefined) onGrid++;
    const s = f32(grid ?? (hi > lo ? (hi - lo) / 255 : 1));
    const m = f32(lo);
    scale[g] = s;
    min[g] = m;
    for (let i = g * per; i < (g + 1) * per; i++) {
      // Round to the code whose float32 dequantization is nearest.
      let c = Math.min(255, Math.max(0, Math.round((data[i]! - m) / s)));
      const err = (k: number) => Math.abs(f32(f32(k * s) + m) - data[i]!);
      if (c > 0 && err(c - 1) < err(c)) c--;
      else if (c < 255 && err(c + 1) < err(c)) c++;
      q[i] = c;
    }
  }
  return { q, scale, min, onGrid };
}

function floatTensor(name: string, dims: number[], data: Float32Array | Float64Array): TensorProto {
  const dataType = data instanceof Float64Array ? onnx.TensorProto.DataType.DOUBLE : onnx.TensorProto.DataType.FLOAT;
  return onnx.TensorProto.create({ name, dims, dataType, rawData: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
}

/**
 * Rewrites `bytes` (an ONNX model) with uint8 weight storage.
 * @returns the new model's bytes and what was done to each tensor
 */
export function quantizeWeightsUint8(bytes: Uint8Array, options: Uint8Options = {}): { bytes: Uint8Array; report: Uint8Report } {
  const minElements = options.minElements ?? 1024;
  const fallback = options.fallback ?? 'per-channel';
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const inits = graph.initializer ?? [];
  const taken = new Set([...inits.map((t) => t.name ?? ''), ...(graph.node ?? []).flatMap((n) => n.output ?? [])]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const kept: TensorProto[] = [];
  const dequantNodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const tensors: Uint8TensorReport[] = [];
  const rewritten = new Set<string>();
  let keptFloat = 0;
  for (const t of inits) {
    const name = t.name ?? '';
    const dims = dimsOf(t);
    const known = options.known?.get(name);
    const large = t.dataType === onnx.TensorProto.DataType.FLOAT && count(dims) >= minElements;
    if (!large || (!known && dims.length < 2)) {
      if (t.dataType === onnx.TensorProto.DataType.FLOAT) keptFloat++;
      kept.push(t);
      continue;
    }
    const original = floatData(t);
    const groups = dims[0]!;
    let q: Uint8Array;
    let scale: Float32Array | Float64Array;
    let min: Float32Array | Float64Array;
    let factor: Float32Array | undefined;
    let value: (i: number) => number;
    let groupsOnGrid: number | undefined;
    if (known) {
      if (known.q.length !== original.length) throw new Error(`uint8-weights: ${name}: ${known.q.length} codes for ${original.length} elements`);
      q = known.q;
      const Arr = known.float64 ? Float64Array : Float32Array;
      scale = new Arr([known.scale]);
      min = new Arr([known.min]);
      factor = known.factor;
      const per = original.length / groups;
      value = (i) => dequantize(known, Math.floor(i / per))(q[i]!);
    } else {
      const g = quantizeGeneric(original, fallback === 'per-channel' ? groups : 1);
      ({ q, scale, min } = g);
      groupsOnGrid = g.onGrid;
      const per = original.length / scale.length;
      value = (i) => {
        const c = Math.floor(i / per);
        return f32(f32(q[i]! * scale[c]!) + min[c]!);
      };
    }
    let maxAbsError = 0;
    let mismatches = 0;
    for (let i = 0; i < original.length; i++) {
      const v = value(i);
      if (!Object.is(v, original[i]!)) {
        mismatches++;
        maxAbsError = Math.max(maxAbsError, Math.abs(v - original[i]!));
      }
    }
    tensors.push({ name, elements: original.length, mode: known ? 'tfjs' : fallback, maxAbsError, mismatches, groups: scale.length, ...(groupsOnGrid === undefined ? {} : { groupsOnGrid }) });
    const bcast = (v: Float32Array | Float64Array) => (v.length === 1 ? [] : [v.length, ...dims.slice(1).map(() => 1)]);
    const qName = fresh(`${name}__uint8`);
    const sName = fresh(`${name}__scale`);
    const mName = fresh(`${name}__min`);
    kept.push(onnx.TensorProto.create({ name: qName, dims, dataType: onnx.TensorProto.DataType.UINT8, rawData: Uint8Array.from(q) }));
    kept.push(floatTensor(sName, bcast(scale), scale));
    kept.push(floatTensor(mName, bcast(min), min));
    const float64 = scale instanceof Float64Array;
    const D = onnx.TensorProto.DataType;
    const asFloat = fresh(`${name}__cast`);
    const scaled = fresh(`${name}__scaled`);
    const shifted = factor ? fresh(`${name}__dequantized`) : name;
    const node = (op: string, input: string[], output: string, attribute: InstanceType<typeof onnx.AttributeProto>[] = []) =>
      dequantNodes.push(onnx.NodeProto.create({ opType: op, input, output: [output], name: fresh(`${name}__${op}`), attribute }));
    const cast = (to: number) => [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to })];
    node('Cast', [qName], asFloat, cast(float64 ? D.DOUBLE : D.FLOAT));
    node('Mul', [asFloat, sName], scaled);
    if (float64) {
      const sum = fresh(`${name}__sum`);
      node('Add', [scaled, mName], sum);
      node('Cast', [sum], shifted, cast(D.FLOAT));
    } else node('Add', [scaled, mName], shifted);
    if (factor) {
      const fName = fresh(`${name}__channel_factor`);
      kept.push(floatTensor(fName, [factor.length, ...dims.slice(1).map(() => 1)], factor));
      node('Mul', [shifted, fName], name);
    }
    rewritten.add(name);
  }
  graph.initializer = kept;
  // Old-style models list initializers as graph inputs too; a computed value must not be one.
  graph.input = (graph.input ?? []).filter((i) => !rewritten.has(i.name ?? ''));
  // Producers first: the rest of the graph reads the dequantized names.
  graph.node = [...dequantNodes, ...(graph.node ?? [])];
  const out = onnx.ModelProto.encode(model).finish();
  return {
    bytes: out,
    report: { fallback, tensors, keptFloat, bytesIn: bytes.length, bytesOut: out.length, bitIdentical: tensors.every((t) => t.mismatches === 0) },
  };
}

interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale: number; min: number };
}

interface TfjsLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: unknown[];
}

function tfjsLayers(json: { modelTopology: Record<string, unknown> }): TfjsLayer[] {
  const topo = json.modelTopology as { model_config?: { config: unknown }; config?: unknown };
  const cfg = (topo.model_config ?? topo) as { config: { layers: TfjsLayer[] } | TfjsLayer[] };
  return Array.isArray(cfg.config) ? cfg.config : cfg.config.layers;
}

function inboundName(layer: TfjsLayer): string | undefined {
  const first = layer.inbound_nodes?.[0];
  if (Array.isArray(first)) return (first as [string][])[0]?.[0];
  return (first as { args?: { config?: { keras_history?: [string] } }[] } | undefined)?.args?.[0]?.config?.keras_history?.[0];
}

/**
 * The exact uint8 quantization of an ONNX twin's weights, taken from the
 * tfjs-layers model.json (+ shard) it was converted from by tools/convert:
 * `<layer>/W` ← `<layer>/kernel` (Conv2D, Dense) or `<layer>/depthwise_kernel`,
 * transposed as the converter does (HWIO → OIHW, HWCM → (C·M)1HW); where the
 * converter folded the following BatchNorm into the conv, its per-channel
 * factor gamma/sqrt(var+eps) (float32, as the converter computes it).
 * Each entry is checked against the twin's fp32 initializer; only exact ones
 * (every element bit-identical) are returned, the rest are listed in `inexact`.
 */
export function tfjsQuantization(modelJsonPath: string, onnxBytes: Uint8Array): { known: Map<string, KnownQuantization>; inexact: string[]; unmatched: string[] } {
  const dir = join(modelJsonPath, '..');
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as { modelTopology: Record<string, unknown>; weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[] };
  // Codes and float32 values of every weight, in manifest order over the concatenated shards.
  const codes = new Map<string, { spec: TfjsWeightSpec; q: Uint8Array; values: Float32Array }>();
  for (const group of json.weightsManifest) {
    const data = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let offset = 0;
    for (const spec of group.weights) {
      const n = count(spec.shape);
      const qz = spec.quantization;
      if (!qz || qz.dtype !== 'uint8') {
        offset += n * (qz?.dtype === 'uint16' || qz?.dtype === 'float16' ? 2 : 4);
        continue;
      }
      const q = new Uint8Array(data.buffer, data.byteOffset + offset, n).slice();
      // tfjs io_utils: values[i] = v * scale + min in doubles, stored to a Float32Array.
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = q[i]! * qz.scale + qz.min;
      codes.set(spec.name, { spec, q, values });
      offset += n;
    }
  }
  const layers = tfjsLayers(json);
  /** BatchNorm factor a = gamma/sqrt(var+eps) of the BN reading `layer`, as convert/layers.ts computes it. */
  const bnFactor = (layer: string): Float32Array | undefined => {
    const bn = layers.find((l) => l.class_name === 'BatchNormalization' && inboundName(l) === layer);
    if (!bn) return undefined;
    const name = bn.config.name;
    const variance = codes.get(`${name}/moving_variance`)?.values;
    if (!variance) return undefined;
    const gamma = bn.config.scale === false ? new Float32Array(variance.length).fill(1) : codes.get(`${name}/gamma`)?.values;
    if (!gamma) return undefined;
    const eps = Number(bn.config.epsilon ?? 1e-3);
    const a = new Float32Array(variance.length);
    for (let i = 0; i < a.length; i++) a[i] = gamma[i]! / Math.sqrt(variance[i]! + eps);
    return a;
  };

  const model = onnx.ModelProto.decode(onnxBytes);
  const known = new Map<string, KnownQuantization>();
  const inexact: string[] = [];
  const unmatched: string[] = [];
  for (const t of model.graph?.initializer ?? []) {
    const name = t.name ?? '';
    const m = /^(.*)\/W$/.exec(name);
    if (!m || t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const layer = m[1]!;
    const src = codes.get(`${layer}/kernel`) ?? codes.get(`${layer}/depthwise_kernel`);
    const dims = dimsOf(t);
    if (!src) {
      if (count(dims) >= 1024) unmatched.push(name);
      continue;
    }
    const depthwise = src.spec.name.endsWith('/depthwise_kernel');
    const s = src.spec.shape;
    const q = new Uint8Array(src.q.length);
    if (s.length === 4) {
      const [kh, kw, cin, co] = s as [number, number, number, number];
      for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) for (let o = 0; o < co; o++) {
        const from = ((i * kw + j) * cin + c) * co + o;
        // depthwise [kh,kw,cin,mult] → [cin*mult,1,kh,kw]; conv [kh,kw,cin,cout] → [cout,cin,kh,kw]
        const to = depthwise ? ((c * co + o) * kh + i) * kw + j : ((o * cin + c) * kh + i) * kw + j;
        q[to] = src.q[from]!;
      }
    } else q.set(src.q); // Dense [fin, fout]: same layout
    const target = floatData(t);
    const { scale, min } = src.spec.quantization!;
    const candidates: KnownQuantization[] = [{ q, scale, min, float64: true }];
    const a = bnFactor(layer);
    if (a && a.length === dims[0]) candidates.push({ q, scale, min, float64: true, factor: a });
    const per = target.length / dims[0]!;
    const exact = candidates.find((k) => {
      for (let o = 0; o < dims[0]!; o++) {
        const deq = dequantize(k, o);
        for (let i = o * per; i < (o + 1) * per; i++) if (!Object.is(deq(q[i]!), target[i]!)) return false;
      }
      return true;
    });
    if (exact) known.set(name, exact);
    else inexact.push(name);
  }
  return { known, inexact, unmatched };
}
