/**
 * One converter per Keras layer type used by the nsfwjs models (MobileNetV2,
 * InceptionV3) and common siblings. Keras is channels-last; the ONNX graph is
 * NCHW inside (after one input Transpose), so kernels are transposed here.
 */
import type { OnnxGraphBuilder } from './onnx-builder.js';
import { type Padding, spatial, type TensorValue } from './tensor-value.js';

export type Weights = (name: string) => { data: Float32Array; shape: number[] } | undefined;

export interface LayerContext {
  g: OnnxGraphBuilder;
  name: string;
  config: Record<string, unknown>;
  inputs: TensorValue[];
  /** True when this layer is the only reader of its (single) input tensor: BN may fold into it. */
  soleConsumer: boolean;
  weight: (suffix: string) => { data: Float32Array; shape: number[] };
  optionalWeight: (suffix: string) => { data: Float32Array; shape: number[] } | undefined;
}

export class UnsupportedLayerError extends Error {
  override readonly name = 'UnsupportedLayerError';
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v), Number(v)]);
const dims4 = (t: TensorValue) => t.shape as [number | string, number, number, number];

/** Applies a Keras activation by name (also used by Conv2D/Dense's `activation`). */
export function activation(g: OnnxGraphBuilder, x: TensorValue, kind: string, layer: string): TensorValue {
  const out = (op: string, inputs = [x.name], attrs = {}) => ({ name: g.node(op, inputs, layer, attrs), shape: x.shape });
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return out('Relu');
    case 'relu6':
      return out('Clip', [x.name, g.addFloat(g.unique(`${layer}/min`), [], new Float32Array([0])), g.addFloat(g.unique(`${layer}/max`), [], new Float32Array([6]))]);
    case 'sigmoid':
      return out('Sigmoid');
    case 'tanh':
      return out('Tanh');
    case 'elu':
      return out('Elu');
    case 'softmax':
      return out('Softmax', [x.name], { axis: x.shape.length - 1 });
    case 'swish':
    case 'silu': {
      const s = g.node('Sigmoid', [x.name], layer);
      return out('Mul', [x.name, s]);
    }
    default:
      throw new UnsupportedLayerError(`layer "${layer}": activation "${kind}" is not supported`);
  }
}

/** Conv2D and DepthwiseConv2D → ONNX Conv (group = channels for depthwise). */
function conv(ctx: LayerContext, depthwise: boolean): TensorValue {
  const { g, name, config } = ctx;
  const x = ctx.inputs[0]!;
  const [n, cin, h, w] = dims4(x);
  const [kh, kw] = pair(config.kernel_size);
  const [sh, sw] = pair(config.strides ?? 1);
  const [dh, dw] = pair(config.dilation_rate ?? 1);
  const padding = config.padding as Padding;
  const k = ctx.weight(depthwise ? 'depthwise_kernel' : 'kernel');
  let cout: number;
  let W: Float32Array;
  if (depthwise) {
    const mult = Number(config.depth_multiplier ?? 1);
    cout = cin * mult;
    W = new Float32Array(cout * kh * kw); // [cin*mult, 1, kh, kw] from [kh, kw, cin, mult]
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) for (let m = 0; m < mult; m++) {
      W[((c * mult + m) * kh + i) * kw + j] = k.data[((i * kw + j) * cin + c) * mult + m]!;
    }
  } else {
    cout = Number(config.filters);
    W = new Float32Array(cout * cin * kh * kw); // [cout, cin, kh, kw] from [kh, kw, cin, cout]
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) {
      W[((o * cin + c) * kh + i) * kw + j] = k.data[((i * kw + j) * cin + c) * cout + o]!;
    }
  }
  const y = spatial(h, kh, sh, dh, padding);
  const xw = spatial(w, kw, sw, dw, padding);
  const inputs = [x.name, g.addFloat(`${name}/W`, depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], W)];
  const bias = config.use_bias === false ? undefined : ctx.optionalWeight('bias');
  if (bias) inputs.push(g.addFloat(`${name}/B`, [cout], Float32Array.from(bias.data)));
  const out = g.node('Conv', inputs, name, {
    kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads: [y.before, xw.before, y.after, xw.after], group: depthwise ? cin : 1,
  });
  return activation(g, { name: out, shape: [n, cout, y.out, xw.out] }, String(config.activation ?? 'linear'), name);
}

function batchNorm(ctx: LayerContext): TensorValue {
  const { g, name, config } = ctx;
  const x = ctx.inputs[0]!;
  const c = Number(x.shape[1]);
  const eps = Number(config.epsilon ?? 1e-3);
  const gamma = config.scale === false ? new Float32Array(c).fill(1) : ctx.weight('gamma').data;
  const beta = config.center === false ? new Float32Array(c) : ctx.weight('beta').data;
  const mean = ctx.weight('moving_mean').data;
  const variance = ctx.weight('moving_variance').data;
  // BN(x) = x*a + b with a = gamma/sqrt(var+eps), b = beta - mean*a.
  const a = new Float32Array(c);
  const b = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    a[i] = gamma[i]! / Math.sqrt(variance[i]! + eps);
    b[i] = beta[i]! - mean[i]! * a[i]!;
  }
  if (ctx.soleConsumer && foldIntoConv(g, x.name, a, b)) return x;
  const bcast = x.shape.length === 4 ? [c, 1, 1] : [c];
  const scaled = g.node('Mul', [x.name, g.addFloat(`${name}/a`, bcast, a)], name);
  return { name: g.node('Add', [scaled, g.addFloat(`${name}/b`, bcast, b)], name), shape: x.shape };
}

/**
 * Folds y = conv(x)*a + b into the conv's weights when `value` is produced
 * directly by a Conv (no activation in between) and nothing else reads it.
 * Exact up to float rounding (the reference check allows 1e-4).
 */
function foldIntoConv(g: OnnxGraphBuilder, value: string, a: Float32Array, b: Float32Array): boolean {
  const conv = g.producer(value);
  if (!conv || conv.op !== 'Conv' || g.nodes.some((n) => n.inputs.includes(value))) return false;
  const W = g.initializers.get(conv.inputs[1]!)!;
  const cout = W.dims[0]!;
  const per = (W.data as Float32Array).length / cout;
  for (let o = 0; o < cout; o++) for (let i = 0; i < per; i++) (W.data as Float32Array)[o * per + i]! *= a[o]!;
  const biasName = conv.inputs[2] ?? g.addFloat(`${conv.name}/B_folded`, [cout], new Float32Array(cout));
  if (!conv.inputs[2]) conv.inputs.push(biasName);
  const B = g.initializers.get(biasName)!.data as Float32Array;
  for (let o = 0; o < cout; o++) B[o] = B[o]! * a[o]! + b[o]!;
  return true;
}

function pool(ctx: LayerContext, op: 'MaxPool' | 'AveragePool'): TensorValue {
  const { g, name, config } = ctx;
  const x = ctx.inputs[0]!;
  const [n, c, h, w] = dims4(x);
  const [kh, kw] = pair(config.pool_size);
  const [sh, sw] = pair(config.strides ?? config.pool_size);
  const padding = config.padding as Padding;
  const y = spatial(h, kh, sh, 1, padding);
  const xw = spatial(w, kw, sw, 1, padding);
  // count_include_pad = 0 (ONNX default) matches TF: padded cells are not averaged.
  const out = g.node(op, [x.name], name, { kernel_shape: [kh, kw], strides: [sh, sw], pads: [y.before, xw.before, y.after, xw.after] });
  return { name: out, shape: [n, c, y.out, xw.out] };
}

function flatten(ctx: LayerContext): TensorValue {
  const { g, name } = ctx;
  const x = ctx.inputs[0]!;
  if (x.shape.length !== 4) return x;
  const [n, c, h, w] = dims4(x);
  // Keras flattens channels-last (H, W, C); with 1x1 spatial that equals C order.
  const src = h === 1 && w === 1 ? x.name : g.node('Transpose', [x.name], name, { perm: [0, 2, 3, 1] });
  return { name: g.node('Flatten', [src], name, { axis: 1 }), shape: [n, c * h * w] };
}

function dense(ctx: LayerContext): TensorValue {
  const { g, name, config } = ctx;
  const x = ctx.inputs[0]!;
  const k = ctx.weight('kernel');
  const [fin, fout] = k.shape as [number, number];
  const inputs = [x.name, g.addFloat(`${name}/W`, [fin, fout], Float32Array.from(k.data))];
  const bias = config.use_bias === false ? undefined : ctx.optionalWeight('bias');
  if (bias) inputs.push(g.addFloat(`${name}/B`, [fout], Float32Array.from(bias.data)));
  const out = g.node('Gemm', inputs, name, {});
  return activation(g, { name: out, shape: [x.shape[0]!, fout] }, String(config.activation ?? 'linear'), name);
}

export const LAYER_CONVERTERS: Record<string, (ctx: LayerContext) => TensorValue> = {
  Conv2D: (ctx) => conv(ctx, false),
  DepthwiseConv2D: (ctx) => conv(ctx, true),
  BatchNormalization: batchNorm,
  ReLU: (ctx) => {
    const { max_value: max, negative_slope: slope = 0, threshold = 0 } = ctx.config as { max_value?: number | null; negative_slope?: number; threshold?: number };
    if (slope !== 0 || threshold !== 0) throw new UnsupportedLayerError(`layer "${ctx.name}": ReLU with negative_slope/threshold is not supported`);
    if (max === 6) return activation(ctx.g, ctx.inputs[0]!, 'relu6', ctx.name);
    if (max == null) return activation(ctx.g, ctx.inputs[0]!, 'relu', ctx.name);
    const g = ctx.g;
    const x = ctx.inputs[0]!;
    return { name: g.node('Clip', [x.name, g.addFloat(g.unique(`${ctx.name}/min`), [], new Float32Array([0])), g.addFloat(g.unique(`${ctx.name}/max`), [], new Float32Array([max]))], ctx.name), shape: x.shape };
  },
  Activation: (ctx) => activation(ctx.g, ctx.inputs[0]!, String(ctx.config.activation), ctx.name),
  ZeroPadding2D: (ctx) => {
    const x = ctx.inputs[0]!;
    const p = ctx.config.padding as [[number, number], [number, number]] | number;
    const [[t, b], [l, r]] = typeof p === 'number' ? [[p, p], [p, p]] : p;
    const [n, c, h, w] = dims4(x);
    const out = ctx.g.node('Pad', [x.name, ctx.g.addInt64(ctx.g.unique(`${ctx.name}/pads`), [0, 0, t, l, 0, 0, b, r])], ctx.name, { mode: 'constant' });
    return { name: out, shape: [n, c, h + t + b, w + l + r] };
  },
  Add: (ctx) => ({ name: ctx.g.node(ctx.inputs.length === 2 ? 'Add' : 'Sum', ctx.inputs.map((i) => i.name), ctx.name), shape: ctx.inputs[0]!.shape }),
  Concatenate: (ctx) => {
    const axis = Number(ctx.config.axis ?? -1);
    if (axis !== -1 && axis !== 3) throw new UnsupportedLayerError(`layer "${ctx.name}": Concatenate on axis ${axis} (only the channel axis) is not supported`);
    const [n, , h, w] = dims4(ctx.inputs[0]!);
    const c = ctx.inputs.reduce((s, i) => s + Number(i.shape[1]), 0);
    return { name: ctx.g.node('Concat', ctx.inputs.map((i) => i.name), ctx.name, { axis: 1 }), shape: [n, c, h, w] };
  },
  MaxPooling2D: (ctx) => pool(ctx, 'MaxPool'),
  AveragePooling2D: (ctx) => pool(ctx, 'AveragePool'),
  GlobalAveragePooling2D: (ctx) => {
    const x = ctx.inputs[0]!;
    const gap = ctx.g.node('GlobalAveragePool', [x.name], ctx.name);
    return { name: ctx.g.node('Flatten', [gap], ctx.name, { axis: 1 }), shape: [x.shape[0]!, x.shape[1]!] };
  },
  GlobalMaxPooling2D: (ctx) => {
    const x = ctx.inputs[0]!;
    const gmp = ctx.g.node('GlobalMaxPool', [x.name], ctx.name);
    return { name: ctx.g.node('Flatten', [gmp], ctx.name, { axis: 1 }), shape: [x.shape[0]!, x.shape[1]!] };
  },
  Flatten: flatten,
  Dense: dense,
  Dropout: (ctx) => ctx.inputs[0]!, // inference: identity
  SpatialDropout2D: (ctx) => ctx.inputs[0]!,
};
