/**
 * Reads what a tfjs `model.json` says about itself: layers or graph model,
 * the input shape (layers: the first layer's batch_input_shape, looking into
 * nested Sequential/Model layers as Teachable Machine exports have them;
 * graph: the Placeholder's shape attr), the weight shards, whether the graph
 * already ends in a softmax/sigmoid, and the output size where it is written
 * down (a final Dense layer's units, a graph signature).
 */
import type { ModelFormat } from '../types.js';

type Json = Record<string, unknown>;

export interface TfjsModelInfo {
  format: Extract<ModelFormat, 'tfjs-layers' | 'tfjs-graph'>;
  /** Why this format: the field read. */
  formatFrom: string;
  /** [N, H, W, C] with null for dynamic dims; undefined when not found. */
  inputShape: (number | null)[] | undefined;
  inputShapeFrom: string;
  /** Shard paths, relative to model.json. */
  shards: string[];
  /** 'softmax' | 'sigmoid' when the model's last op already is one. */
  endsIn: 'softmax' | 'sigmoid' | undefined;
  endsInFrom: string;
  outputSize: number | undefined;
  outputSizeFrom: string;
}

interface KerasLayer {
  class_name: string;
  config: Json & { layers?: KerasLayer[] };
}

function asObj(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

/** The layer list of a Keras model config (Sequential configs are a list, or {layers}). */
function layersOf(config: unknown): KerasLayer[] | undefined {
  if (Array.isArray(config)) return config as KerasLayer[];
  const layers = asObj(config)?.layers;
  return Array.isArray(layers) ? (layers as KerasLayer[]) : undefined;
}

function isModelLayer(layer: KerasLayer): boolean {
  return ['Sequential', 'Model', 'Functional'].includes(layer.class_name) && layersOf(layer.config) !== undefined;
}

function firstShape(layers: KerasLayer[], path: string): { shape: (number | null)[]; from: string } | undefined {
  const first = layers[0];
  if (!first) return undefined;
  const shape = (first.config.batch_input_shape ?? first.config.batch_shape) as (number | null)[] | undefined;
  if (Array.isArray(shape)) return { shape: shape.map((d) => (typeof d === 'number' && d > 0 ? d : null)), from: `${path} layer "${String(first.config.name ?? first.class_name)}" batch_input_shape` };
  if (isModelLayer(first)) return firstShape(layersOf(first.config)!, path);
  return undefined;
}

function lastLayer(layers: KerasLayer[]): KerasLayer | undefined {
  const last = layers.at(-1);
  if (last && isModelLayer(last)) return lastLayer(layersOf(last.config)!) ?? last;
  return last;
}

function layersInfo(topology: Json, file: string): Omit<TfjsModelInfo, 'format' | 'formatFrom' | 'shards'> {
  const modelConfig = asObj(topology.model_config) ?? topology;
  const layers = layersOf(modelConfig.config) ?? [];
  const shape = firstShape(layers, file);
  const last = lastLayer(layers);
  let endsIn: TfjsModelInfo['endsIn'];
  let outputSize: number | undefined;
  const lastName = last ? String(last.config.name ?? last.class_name) : '';
  if (last) {
    const act = last.class_name === 'Softmax' ? 'softmax' : last.config.activation;
    if (act === 'softmax' || act === 'sigmoid') endsIn = act;
    if (last.class_name === 'Dense' && typeof last.config.units === 'number') outputSize = last.config.units;
  }
  return {
    inputShape: shape?.shape,
    inputShapeFrom: shape?.from ?? `${file} (no batch_input_shape on the first layer)`,
    endsIn,
    endsInFrom: `${file} last layer "${lastName}" (${last?.class_name ?? '?'}, activation ${String(last?.config.activation ?? 'none')})`,
    outputSize,
    outputSizeFrom: `${file} last layer "${lastName}" units`,
  };
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Json;
}

function graphInfo(json: Json, topology: Json, file: string): Omit<TfjsModelInfo, 'format' | 'formatFrom' | 'shards'> {
  const nodes = (Array.isArray(topology.node) ? topology.node : []) as TfNode[];
  const placeholders = nodes.filter((n) => n.op === 'Placeholder');
  const ph = placeholders[0];
  const dims = (asObj(asObj(asObj(ph?.attr)?.shape)?.shape)?.dim ?? []) as { size?: string | number }[];
  const inputShape = ph && dims.length ? dims.map((d) => (Number(d.size) > 0 ? Number(d.size) : null)) : undefined;
  // Output: the node nobody consumes; follow Identity nodes back to the op that computes it.
  const consumed = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => i.replace(/^\^/, '').split(':')[0]!)));
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const sinks = nodes.filter((n) => !consumed.has(n.name) && n.op !== 'NoOp' && n.op !== 'Const');
  let node: TfNode | undefined = sinks.length === 1 ? sinks[0] : undefined;
  while (node && node.op === 'Identity' && node.input?.[0]) node = byName.get(node.input[0].split(':')[0]!);
  const endsIn = node?.op === 'Softmax' ? 'softmax' : node?.op === 'Sigmoid' ? 'sigmoid' : undefined;
  const signature = asObj(asObj(asObj(json.userDefinedMetadata)?.signature) ?? asObj(json.signature));
  const outputs = Object.values(asObj(signature?.outputs) ?? {}) as { tensorShape?: { dim?: { size?: string }[] } }[];
  const outDims = outputs.length === 1 ? outputs[0]!.tensorShape?.dim ?? [] : [];
  const last = Number(outDims.at(-1)?.size);
  return {
    inputShape,
    inputShapeFrom: ph ? `${file} Placeholder "${ph.name}" shape` : `${file} (no Placeholder node)`,
    endsIn,
    endsInFrom: `${file} output op ${node?.op ?? '(not found)'}${node ? ` "${node.name}"` : ''}`,
    outputSize: last > 0 ? last : undefined,
    outputSizeFrom: `${file} signature outputs`,
  };
}

/** @throws Error when the JSON is not a tfjs model.json */
export function inspectTfjsModel(json: unknown, file = 'model.json'): TfjsModelInfo {
  const m = asObj(json);
  const topology = asObj(m?.modelTopology);
  if (!m || !topology || !Array.isArray(m.weightsManifest)) throw new Error(`${file} is not a tfjs model.json (needs modelTopology and weightsManifest)`);
  const shards = (m.weightsManifest as { paths?: string[] }[]).flatMap((g) => g.paths ?? []);
  const graph = m.format === 'graph-model' || (Array.isArray(topology.node) && !topology.model_config);
  const formatFrom = m.format === 'graph-model' ? `${file} format "graph-model"` : graph ? `${file} modelTopology.node` : topology.model_config ? `${file} modelTopology.model_config (${String(asObj(topology.model_config)?.class_name)})` : `${file} modelTopology.class_name`;
  const info = graph ? graphInfo(m, topology, file) : layersInfo(topology, file);
  return { format: graph ? 'tfjs-graph' : 'tfjs-layers', formatFrom, shards, ...info };
}
