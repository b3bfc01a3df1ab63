/**
 * tfjs-graph (TF GraphDef JSON + weights) → ONNX, for the TF ops the nsfwjs
 * graph model uses and their plain siblings: Placeholder, Const, Identity,
 * Mul/Sub/AddV2/Add, _FusedConv2D, FusedDepthwiseConv2dNative / Conv2D /
 * DepthwiseConv2dNative (fused BiasAdd + Relu/Relu6), AvgPool/MaxPool,
 * Squeeze, Mean (spatial), _FusedMatMul/MatMul, Softmax, Relu/Relu6.
 * Same layout strategy as the layers converter: NHWC input, NCHW inside.
 * Unknown ops fail naming the node.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, UnsupportedLayerError } from './layers.js';
import { OnnxGraphBuilder } from './onnx-builder.js';
import { type Padding, spatial, type TensorValue } from './tensor-value.js';

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, { list?: { i?: string[]; s?: string[] }; s?: string; i?: string; b?: boolean; shape?: { dim?: { size: string }[] } }>;
}

export interface GraphModelJson {
  format?: string;
  modelTopology: { node: TfNode[] };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const text = (b64?: string) => (b64 ? atob(b64) : '');
const ints = (node: TfNode, key: string) => (node.attr?.[key]?.list?.i ?? []).map(Number);
const inputName = (ref: string) => ref.replace(/^\^/, '').split(':')[0]!;

function fusedOps(node: TfNode): string[] {
  return (node.attr?.fused_ops?.list?.s ?? []).map(text);
}

/** Activation named by a fused op list (after BiasAdd), or 'linear'. */
function fusedActivation(node: TfNode): string {
  const ops = fusedOps(node).filter((o) => o !== 'BiasAdd');
  if (ops.length > 1) throw new UnsupportedLayerError(`node "${node.name}": fused ops ${ops.join('+')} are not supported`);
  const act = ops[0];
  if (!act) return 'linear';
  const map: Record<string, string> = { Relu: 'relu', Relu6: 'relu6', Sigmoid: 'sigmoid', Tanh: 'tanh', Elu: 'elu' };
  if (!map[act]) throw new UnsupportedLayerError(`node "${node.name}": fused activation ${act} is not supported`);
  return map[act];
}

/** TF graph JSON lists nodes in any order: visit each node's inputs first. */
export function topologicalOrder(nodes: TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const order: TfNode[] = [];
  const visiting = new Set<string>();
  const visit = (node: TfNode) => {
    if (done.has(node.name)) return;
    if (visiting.has(node.name)) throw new UnsupportedLayerError(`graph has a cycle through "${node.name}"`);
    visiting.add(node.name);
    // Iterative enough for MobileNet-size graphs; recursion depth = graph depth.
    for (const ref of node.input ?? []) {
      const dep = byName.get(inputName(ref));
      if (dep) visit(dep);
    }
    visiting.delete(node.name);
    done.add(node.name);
    order.push(node);
  };
  nodes.forEach(visit);
  return order;
}

export async function convertGraphModel(json: GraphModelJson, weightData: ArrayBuffer, options: { opset?: number } = {}): Promise<Uint8Array> {
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const decoded = tf.io.decodeWeights(weightData, specs);
  const consts = new Map(Object.entries(decoded).map(([name, t]) => [name, { data: t.dataSync() as Float32Array, shape: t.shape }]));
  const g = new OnnxGraphBuilder();
  const values = new Map<string, TensorValue>();
  const constOf = (ref: string, node: TfNode) => {
    const c = consts.get(inputName(ref));
    if (!c) throw new UnsupportedLayerError(`node "${node.name}": input ${ref} must be a constant (weights)`);
    return c;
  };
  const valueOf = (ref: string, node: TfNode) => {
    const v = values.get(inputName(ref));
    if (!v) throw new UnsupportedLayerError(`node "${node.name}" reads "${ref}", which is not converted yet (graph out of order?)`);
    return v;
  };
  let input: { name: string; dims: (number | string)[] } | undefined;
  let last: TensorValue | undefined;

  for (const node of topologicalOrder(json.modelTopology.node)) {
    const ins = node.input ?? [];
    const set = (v: TensorValue) => {
      values.set(node.name, v);
      last = v;
    };
    switch (node.op) {
      case 'Const':
        break; // read through constOf by its consumers
      case 'Placeholder': {
        const dims = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
        if (dims.length !== 4) throw new UnsupportedLayerError(`placeholder "${node.name}" must be 4-D NHWC`);
        const [, h, w, c] = dims as [number, number, number, number];
        input = { name: node.name, dims: ['batch', h, w, c] };
        set({ name: g.node('Transpose', [node.name], 'input_to_nchw', { perm: [0, 3, 1, 2] }), shape: ['batch', c, h, w] });
        break;
      }
      case 'Identity':
        set(valueOf(ins[0]!, node));
        break;
      case 'Mul':
      case 'Sub':
      case 'AddV2':
      case 'Add': {
        const op = node.op === 'Mul' ? 'Mul' : node.op === 'Sub' ? 'Sub' : 'Add';
        const operands = ins.map((ref) => {
          if (values.has(inputName(ref))) return valueOf(ref, node);
          const c = constOf(ref, node);
          if (c.data.length !== 1) throw new UnsupportedLayerError(`node "${node.name}": only scalar constants are supported in ${node.op}`);
          return { name: g.addFloat(g.unique(`${node.name}/const`), [], Float32Array.from(c.data)), shape: [] };
        });
        const shape = operands.find((o) => o.shape.length > 0)!.shape;
        set({ name: g.node(op, operands.map((o) => o.name), node.name), shape });
        break;
      }
      case '_FusedConv2D':
      case 'Conv2D':
      case 'FusedDepthwiseConv2dNative':
      case 'DepthwiseConv2dNative': {
        const depthwise = node.op.includes('Depthwise');
        const x = valueOf(ins[0]!, node);
        const [n, cin, h, w] = x.shape as [string, number, number, number];
        const k = constOf(ins[1]!, node);
        const [kh, kw, kin, kout] = k.shape as [number, number, number, number];
        const [, sh, sw] = ints(node, 'strides');
        const dil = ints(node, 'dilations');
        const [dh, dw] = [dil[1] ?? 1, dil[2] ?? 1];
        const padding = text(node.attr?.padding?.s).toLowerCase() as Padding;
        if (padding !== 'same' && padding !== 'valid') throw new UnsupportedLayerError(`node "${node.name}": padding ${padding} is not supported`);
        const cout = depthwise ? kin * kout : kout;
        const W = new Float32Array(cout * (depthwise ? 1 : cin) * kh * kw);
        for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let c = 0; c < kin; c++) for (let o = 0; o < kout; o++) {
          const src = k.data[((i * kw + j) * kin + c) * kout + o]!;
          if (depthwise) W[((c * kout + o) * kh + i) * kw + j] = src;
          else W[((o * cin + c) * kh + i) * kw + j] = src;
        }
        const y = spatial(h, kh, sh!, dh, padding);
        const xw = spatial(w, kw, sw!, dw, padding);
        const inputs = [x.name, g.addFloat(`${node.name}/W`, depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], W)];
        if (fusedOps(node).includes('BiasAdd')) inputs.push(g.addFloat(`${node.name}/B`, [cout], Float32Array.from(constOf(ins[2]!, node).data)));
        const out = g.node('Conv', inputs, node.name, { kernel_shape: [kh, kw], strides: [sh!, sw!], dilations: [dh, dw], pads: [y.before, xw.before, y.after, xw.after], group: depthwise ? cin : 1 });
        set(activation(g, { name: out, shape: [n, cout, y.out, xw.out] }, fusedActivation(node), node.name));
        break;
      }
      case 'AvgPool':
      case 'MaxPool': {
        const x = valueOf(ins[0]!, node);
        const [n, c, h, w] = x.shape as [string, number, number, number];
        const [, kh, kw] = ints(node, 'ksize');
        const [, sh, sw] = ints(node, 'strides');
        const padding = text(node.attr?.padding?.s).toLowerCase() as Padding;
        const y = spatial(h, kh!, sh!, 1, padding);
        const xw = spatial(w, kw!, sw!, 1, padding);
        const out = g.node(node.op === 'AvgPool' ? 'AveragePool' : 'MaxPool', [x.name], node.name, { kernel_shape: [kh!, kw!], strides: [sh!, sw!], pads: [y.before, xw.before, y.after, xw.after] });
        set({ name: out, shape: [n, c, y.out, xw.out] });
        break;
      }
      case 'Squeeze': {
        const x = valueOf(ins[0]!, node);
        const dims = ints(node, 'squeeze_dims');
        const [n, c, h, w] = x.shape as [string, number, number, number];
        if (x.shape.length !== 4 || dims.join() !== '1,2' || h !== 1 || w !== 1) throw new UnsupportedLayerError(`node "${node.name}": only squeezing 1x1 spatial dims is supported`);
        set({ name: g.node('Flatten', [x.name], node.name, { axis: 1 }), shape: [n, c] });
        break;
      }
      case '_FusedMatMul':
      case 'MatMul': {
        const x = valueOf(ins[0]!, node);
        if (node.attr?.transpose_a?.b) throw new UnsupportedLayerError(`node "${node.name}": transpose_a is not supported`);
        const k = constOf(ins[1]!, node);
        const fout = (node.attr?.transpose_b?.b ? k.shape[0] : k.shape[1]) as number;
        const inputs = [x.name, g.addFloat(`${node.name}/W`, k.shape, Float32Array.from(k.data))];
        if (fusedOps(node).includes('BiasAdd')) inputs.push(g.addFloat(`${node.name}/B`, [fout], Float32Array.from(constOf(ins[2]!, node).data)));
        const out = g.node('Gemm', inputs, node.name, { transB: node.attr?.transpose_b?.b ? 1 : 0 });
        set(activation(g, { name: out, shape: [x.shape[0]!, fout] }, fusedActivation(node), node.name));
        break;
      }
      case 'Softmax':
      case 'Relu':
      case 'Relu6': {
        const kind = { Softmax: 'softmax', Relu: 'relu', Relu6: 'relu6' }[node.op]!;
        set(activation(g, valueOf(ins[0]!, node), kind, node.name));
        break;
      }
      default:
        throw new UnsupportedLayerError(`node "${node.name}" has op ${node.op}, which the graph converter does not support`);
    }
  }
  for (const t of Object.values(decoded)) t.dispose();
  if (!input || !last) throw new UnsupportedLayerError('graph has no Placeholder input or no output');
  g.nodes.push({ op: 'Identity', inputs: [last.name], outputs: ['probabilities'], name: 'output_identity', attributes: {} });
  return g.build(input, { name: 'probabilities', dims: ['batch', ...last.shape.slice(1)] }, { graphName: 'converted_from_tfjs_graph', opset: options.opset ?? 13, docString: 'Converted from a tfjs graph model by inpage-classifier tools/convert' });
}
