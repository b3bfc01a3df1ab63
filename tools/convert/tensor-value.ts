/** A Keras tensor while converting: its ONNX value name and NCHW (or 2-D) shape. */
export interface TensorValue {
  name: string;
  /** [N, C, H, W] after the input transpose, or [N, F] after Flatten/Dense. */
  shape: (number | string)[];
}

export type Padding = 'valid' | 'same';

/** TF/Keras output size and [before, after] padding of one spatial axis. */
export function spatial(inSize: number, kernel: number, stride: number, dilation: number, padding: Padding): { out: number; before: number; after: number } {
  const extent = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((inSize - extent) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + extent - inSize, 0);
  // TF puts the odd pixel at the end (bottom/right): ONNX pads are [begin..., end...].
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}
