import { describe, expect, test } from 'vitest';
import { classifyGpuText } from '../src/backends/gpu-class.js';

/** Strings as browsers report them (WebGL UNMASKED_RENDERER_WEBGL, or WebGPU adapter.info fields joined). */
const RECORDED: [string, ReturnType<typeof classifyGpuText>][] = [
  // Headless Chromium on this CI machine (WebGL and WebGPU).
  ['ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'software'],
  ['google swiftshader', 'software'],
  ['llvmpipe (LLVM 15.0.6, 256 bits)', 'software'],
  ['ANGLE (Mesa, llvmpipe (LLVM 12.0.0, 256 bits), OpenGL 4.5)', 'software'],
  ['ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)', 'software'],
  ['ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)', 'discrete'],
  ['apple metal-3', 'unknown'],
  ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)', 'discrete'],
  ['nvidia ampere', 'discrete'],
  ['ANGLE (AMD, AMD Radeon RX 6800 XT Direct3D11 vs_5_0 ps_5_0, D3D11)', 'discrete'],
  ['ANGLE (AMD, AMD Radeon(TM) Graphics Direct3D11 vs_5_0 ps_5_0, D3D11)', 'integrated'],
  ['ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11 vs_5_0 ps_5_0, D3D11)', 'integrated'],
  ['intel gen-12lp', 'integrated'],
  ['Mali-G78', 'integrated'],
  ['arm valhall Mali-G710', 'integrated'],
  ['Adreno (TM) 650', 'integrated'],
  ['qualcomm adreno-7xx', 'integrated'],
  ['PowerVR Rogue GE8320', 'integrated'],
  ['WebKit WebGL', 'unknown'],
  ['', 'unknown'],
];

describe('GPU classification from renderer/adapter strings', () => {
  test.each(RECORDED)('%s → %s', (text, expected) => {
    expect(classifyGpuText(text)).toBe(expected);
  });
});
