/**
 * Runs IN THE PAGE: nsfwjs (the peer library) on the same MobileNetV2 model,
 * loaded from our served copy (/models/nsfw-mobilenet-v2/model.json; nothing
 * from a CDN), on the page's one tfjs. End to end as an nsfwjs user does it:
 * blob → <img> (object URL, decode) → `nsfw.classify(img)`.
 */
import { type NSFWJS, load } from 'nsfwjs/core';
import type { LocalBackendName } from '../../src/types.js';
import { useTfBackend } from './raw-page.js';

export interface PeerModel {
  backend: LocalBackendName;
  classify(blob: Blob): Promise<{ className: string; probability: number }[]>;
  dispose(): Promise<void>;
}

/** One nsfwjs instance per tfjs backend, loaded while that backend is active (its weights live there). */
export async function loadNsfwjs(modelJsonUrl: string, backend: LocalBackendName): Promise<PeerModel> {
  await useTfBackend(backend);
  const nsfw: NSFWJS = await load(modelJsonUrl, { size: 224 });
  return {
    backend,
    async classify(blob) {
      const url = URL.createObjectURL(blob);
      try {
        const img = new Image();
        img.src = url;
        await img.decode();
        await useTfBackend(backend); // no-op when the bench already switched (untimed) before the call
        return await nsfw.classify(img);
      } finally {
        URL.revokeObjectURL(url);
      }
    },
    dispose: async () => {
      await useTfBackend(backend);
      nsfw.dispose();
    },
  };
}
