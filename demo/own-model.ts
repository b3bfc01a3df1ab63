/**
 * "Bring your own model" from files on disk: the picked manifest.json plus
 * the files it lists. They are put into the library's model cache (the Cache
 * API, under a made-up same-origin folder URL) and the manifest is passed as
 * an object with that folder as baseUrl: the library then finds every file in
 * its cache, verifies its sha256 as always, and never touches the network.
 */
import { type ModelManifest, validateManifest } from '../src/index.js';

/** The Cache API cache picked models go into (passed to createClassifier as modelCache.name). */
export const LOCAL_MODEL_CACHE = 'inpage-classifier-demo-local-models';

export interface LocalModel {
  manifest: ModelManifest;
  baseUrl: string;
  modelCacheName: string;
}

export async function localModel(files: readonly File[]): Promise<LocalModel> {
  const manifestFile = files.find((f) => f.name.endsWith('.json') && f.name !== 'model.json') ?? files.find((f) => f.name === 'manifest.json');
  if (!manifestFile) throw new Error('Pick the manifest.json together with the model files it lists.');
  const manifest = validateManifest(JSON.parse(await manifestFile.text()));
  const baseUrl = new URL(`/__local-models__/${encodeURIComponent(manifest.name)}@${encodeURIComponent(manifest.version)}/`, location.href).href;
  const cache = await caches.open(LOCAL_MODEL_CACHE);
  const missing: string[] = [];
  for (const name of Object.keys(manifest.sha256)) {
    const file = files.find((f) => f.name === name);
    if (!file) {
      missing.push(name);
      continue;
    }
    await cache.put(new URL(name, baseUrl).href, new Response(file, { headers: { 'content-type': 'application/octet-stream' } }));
  }
  if (missing.length > 0) throw new Error(`The manifest lists files that were not picked: ${missing.join(', ')}`);
  return { manifest, baseUrl, modelCacheName: LOCAL_MODEL_CACHE };
}
