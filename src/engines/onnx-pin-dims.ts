/**
 * Rewrites symbolic tensor dimensions (e.g. `batch_size`) to fixed values in
 * an ONNX model's bytes: the batch to 1, an input's free height/width to the
 * manifest's. onnxruntime-web's WebGL EP cannot run a model whose
 * input has a symbolic dim, and its freeDimensionOverrides option does not
 * reach that EP. Protobuf handled by onnx-proto (protobufjs static code),
 * imported only on this rung.
 */
type Dim = { dimValue?: number | { toNumber(): number } | null; dimParam?: string | null };
type ValueInfo = { type?: { tensorType?: { shape?: { dim?: Dim[] | null } | null } | null } | null };

/** Sets the symbolic dims of each value's shape to `fixed[i]` where given (undefined: left symbolic). */
function pin(values: ValueInfo[] | null | undefined, fixed: readonly (number | undefined)[]): number {
  let changed = 0;
  for (const info of values ?? []) {
    (info.type?.tensorType?.shape?.dim ?? []).forEach((dim, i) => {
      const value = fixed[i];
      if (value === undefined || Object.prototype.hasOwnProperty.call(dim, 'dimValue')) return;
      // dimValue/dimParam are a oneof: drop the param so only the value is encoded.
      delete dim.dimParam;
      dim.dimValue = value;
      changed++;
    });
  }
  return changed;
}

/**
 * @param inputShape - the tensor the classifier feeds, batch 1 first: the inputs' symbolic dims take
 *   its values (a model with free height/width gets the manifest's size, not 1x1); the outputs' batch becomes 1
 * @returns the model bytes with those dims fixed (unchanged bytes if none were symbolic)
 */
export async function pinSymbolicDims(bytes: Uint8Array, inputShape: readonly number[]): Promise<Uint8Array> {
  const mod = (await import('onnx-proto')) as unknown as { onnx?: typeof import('onnx-proto').onnx; default?: { onnx: typeof import('onnx-proto').onnx } };
  const onnx = mod.onnx ?? mod.default!.onnx;
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return bytes;
  // Only graph inputs that are not initializers are fed; an initializer listed as input keeps its shape.
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const fed = (graph.input as ValueInfo[] & { name?: string }[]).filter((v) => !initializers.has((v as { name?: string }).name ?? ''));
  const changed = pin(fed, inputShape) + pin(graph.output as ValueInfo[], [1]);
  return changed === 0 ? bytes : onnx.ModelProto.encode(model).finish();
}
