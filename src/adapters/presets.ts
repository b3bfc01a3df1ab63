/**
 * Named preprocessing recipes for sources that do not describe their own
 * (bare ONNX, tfjs without metadata). A preset fills what the source does not
 * say; values read from the source win over it, flags win over both.
 */
import type { InputSpec, OutputSpec, ResizeSpec } from '../types.js';
import type { PresetName } from './types.js';

export interface Preset {
  description: string;
  size?: [number, number];
  resize?: Partial<ResizeSpec>;
  scale: number;
  mean: number | number[];
  std: number | number[];
  channels?: InputSpec['channels'];
  activation?: OutputSpec['activation'];
}

export const PRESETS: Record<PresetName, Preset> = {
  // torchvision.transforms: Resize(256) + CenterCrop(224) + ToTensor + Normalize(ImageNet); the models output logits.
  torchvision: {
    description: 'torchvision ImageNet: Resize(256) bilinear, CenterCrop(224), /255, ImageNet mean/std, logits → softmax',
    size: [224, 224],
    resize: { mode: 'crop', shorterSide: 256, filter: 'bilinear' },
    scale: 1 / 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    channels: 'RGB',
    activation: 'softmax',
  },
  // Keras applications' preprocess_input(mode="tf") for Inception/Xception/MobileNet: x / 127.5 - 1, on an image
  // loaded at the model size (keras.utils.load_img(target_size=...) stretches; we use Pillow bilinear rather than its
  // default nearest). Size: the model's (299x299 for Inception V3) when the graph fixes it.
  inception: {
    description: 'Keras/TF Inception ("tf" mode): stretch to the model size, bilinear, x / 127.5 - 1 (range [-1, 1])',
    size: [299, 299],
    resize: { mode: 'stretch', filter: 'bilinear' },
    scale: 1 / 127.5,
    mean: 1,
    std: 1,
    channels: 'RGB',
  },
  'zero-one': {
    description: 'pixels / 255 (range [0, 1]); resize mode and size from the model or flags',
    scale: 1 / 255,
    mean: 0,
    std: 1,
  },
  // PaddleOCR's text-direction classifier (ClsResizeImg + NormalizeImage): cv2 BGR, height 48, width in proportion up to
  // 192, (x/255 - 0.5)/0.5, zero padding on the right. Paddle resizes with cv2 INTER_LINEAR (not antialiased);
  // Pillow's bilinear is the closest manifest filter.
  'paddle-cls': {
    description: 'PaddleOCR cls: fit-height 48x192, BGR, (x/255 - 0.5) / 0.5, padded with 0 on the right',
    size: [48, 192],
    resize: { mode: 'fit-height', padValue: 0, anchor: 'left', filter: 'bilinear' },
    scale: 1 / 255,
    mean: 0.5,
    std: 0.5,
    channels: 'BGR',
    activation: 'none',
  },
};

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
