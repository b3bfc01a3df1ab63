/**
 * tfjs-layers (Keras functional/sequential JSON + weights) → ONNX.
 * Walks the layers in their (topological) config order, converts each with
 * LAYER_CONVERTERS, and emits one NCHW graph behind an NHWC input, so the ONNX
 * twin takes exactly the tensor the tfjs model takes. Unknown layer types fail
 * with the layer's name.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYER_CONVERTERS, UnsupportedLayerError } from './layers.js';
import { OnnxGraphBuilder } from './onnx-builder.js';
import type { TensorValue } from './tensor-value.js';

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes?: unknown[];
}

export interface LayersModelJson {
  modelTopology: { model_config?: { class_name: string; config: { layers: KerasLayer[]; input_layers?: unknown[]; output_layers?: [string, number, number][] } | KerasLayer[] }; class_name?: string; config?: unknown };
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export interface ConvertOptions {
  opset?: number;
  /** Name of the ONNX graph input. @defaultValue 'input' */
  inputName?: string;
  outputName?: string;
}

/** Names of the layers feeding a layer (first inbound node; shared layers are not supported). */
function inboundNames(layer: KerasLayer): string[] {
  const nodes = layer.inbound_nodes ?? [];
  if (nodes.length > 1) throw new UnsupportedLayerError(`layer "${layer.config.name}" is shared (called ${nodes.length} times): not supported`);
  const first = nodes[0];
  if (!first) return [];
  // Keras 2 JSON: [[name, nodeIndex, tensorIndex, kwargs], ...]; Keras 3: {args: [{config: {keras_history: [name, ...]}}]}
  if (Array.isArray(first)) return (first as [string][]).map((entry) => entry[0]);
  const args = (first as { args?: { config?: { keras_history?: [string] } }[] }).args ?? [];
  return args.flatMap((a) => (a.config?.keras_history ? [a.config.keras_history[0]] : []));
}

function modelLayers(json: LayersModelJson): { layers: KerasLayer[]; sequential: boolean; outputLayer: string } {
  const cfg = json.modelTopology.model_config ?? (json.modelTopology as unknown as { class_name: string; config: unknown });
  const sequential = cfg.class_name === 'Sequential';
  const layers = Array.isArray(cfg.config) ? cfg.config : (cfg.config as { layers: KerasLayer[] }).layers;
  const outputs = Array.isArray(cfg.config) ? undefined : (cfg.config as { output_layers?: [string, number, number][] }).output_layers;
  if (outputs && outputs.length !== 1) throw new UnsupportedLayerError(`model has ${outputs.length} outputs; only single-output classifiers are supported`);
  return { layers, sequential, outputLayer: outputs?.[0]?.[0] ?? layers.at(-1)!.config.name };
}

function inputShape(layers: KerasLayer[]): number[] {
  const first = layers[0]!;
  const shape = (first.config.batch_input_shape ?? first.config.batch_shape) as (number | null)[] | undefined;
  if (!shape || shape.length !== 4) throw new UnsupportedLayerError(`first layer "${first.config.name}" must declare a 4-D batch_input_shape [null, H, W, C]`);
  return shape.slice(1).map(Number);
}

export async function convertLayersModel(json: LayersModelJson, weightData: ArrayBuffer, options: ConvertOptions = {}): Promise<Uint8Array> {
  const { layers, sequential, outputLayer } = modelLayers(json);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const decoded = tf.io.decodeWeights(weightData, specs);
  const weights = new Map(Object.entries(decoded).map(([name, t]) => [name, { data: t.dataSync() as Float32Array, shape: t.shape }]));

  const g = new OnnxGraphBuilder();
  const [h, w, c] = inputShape(layers) as [number, number, number];
  const inputName = options.inputName ?? 'input';
  const values = new Map<string, TensorValue>();
  const consumers = new Map<string, number>();
  const inbound = new Map<string, string[]>();
  layers.forEach((layer, i) => {
    const names = sequential ? (i === 0 ? [] : [layers[i - 1]!.config.name]) : inboundNames(layer);
    inbound.set(layer.config.name, names);
    for (const n of names) consumers.set(n, (consumers.get(n) ?? 0) + 1);
  });

  const nchw = g.node('Transpose', [inputName], 'input_to_nchw', { perm: [0, 3, 1, 2] });
  const entry: TensorValue = { name: nchw, shape: ['batch', c, h, w] };
  for (const [i, layer] of layers.entries()) {
    const name = layer.config.name;
    if (layer.class_name === 'InputLayer') {
      values.set(name, entry);
      continue;
    }
    const inputs = inbound.get(name)!.map((n) => {
      const v = values.get(n);
      if (!v) throw new UnsupportedLayerError(`layer "${name}" reads "${n}", which has not been converted (model JSON out of order?)`);
      return v;
    });
    if (sequential && i === 0) inputs.push(entry);
    const convert = LAYER_CONVERTERS[layer.class_name];
    if (!convert) throw new UnsupportedLayerError(`layer "${name}" has type ${layer.class_name}, which the converter does not support (supported: ${Object.keys(LAYER_CONVERTERS).join(', ')})`);
    const weight = (suffix: string) => {
      const w = weights.get(`${name}/${suffix}`);
      if (!w) throw new UnsupportedLayerError(`layer "${name}": weight ${name}/${suffix} not found in the weights manifest`);
      return w;
    };
    const producer = inbound.get(name)![0];
    values.set(name, convert({ g, name, config: layer.config, inputs, soleConsumer: producer !== undefined && consumers.get(producer) === 1, weight, optionalWeight: (s) => weights.get(`${name}/${s}`) }));
  }
  for (const t of Object.values(decoded)) t.dispose();

  const out = values.get(outputLayer)!;
  const outputName = options.outputName ?? 'probabilities';
  g.nodes.push({ op: 'Identity', inputs: [out.name], outputs: [outputName], name: 'output_identity', attributes: {} });
  return g.build(
    { name: inputName, dims: ['batch', h, w, c] },
    { name: outputName, dims: ['batch', ...out.shape.slice(1)] },
    { graphName: 'converted_from_tfjs_layers', opset: options.opset ?? 13, docString: 'Converted from a tfjs-layers model by inpage-classifier tools/convert' },
  );
}
