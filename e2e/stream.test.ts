/**
 * classifyStream (issue 19 §1): a frame loop over a video file made in the
 * page (MediaRecorder of a canvas animation), Chromium's fake camera and a
 * generated ReadableStream<VideoFrame>. Results arrive in media-time order,
 * frames that come while the model is busy are dropped (counted, never
 * queued), every VideoFrame is closed on every path (checked on each frame:
 * the generated ones, and those the loop captures from a video, through a
 * counting VideoFrame subclass; Chromium's "garbage collected without being
 * closed" warning does not reach the page's console or CDP, so it cannot be
 * the check), frames bypass the result cache, and the loop
 * ends on the video's end, the signal, stop() / break and dispose(), in the
 * page and in worker mode.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { Classifier, FrameStreamSummary } from '../src/index.js';
import { useDemoSession } from './helpers/browser.js';
import { hasSharedData, imagenetManifest, SKIP_NO_DATA } from './helpers/data.js';

interface LoopOut {
  summary: FrameStreamSummary;
  mediaTimes: number[];
  frames: number[];
  top1: string[];
  cacheSizeBefore: number | null;
  cacheSizeAfter: number | null;
  unclosed?: number;
  produced?: number;
  trackLive?: boolean;
}

declare global {
  interface Window {
    /** Made once per page by the test: a few seconds of a moving test pattern, as WebM. */
    __testVideo?: Blob;
    __streamClassifier?: Classifier;
  }
}

describe.skipIf(!hasSharedData)(`classifyStream (${hasSharedData ? 'ImageNet MobileNetV2 on ORT wasm' : SKIP_NO_DATA})`, () => {
  const demo = useDemoSession({ args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] });
  beforeAll(async () => {
    // A 2.5 s WebM of a canvas animation (a moving, colour-cycling pattern), recorded in real time.
    await demo().page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 320;
      canvas.height = 240;
      const ctx = canvas.getContext('2d')!;
      const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm;codecs=vp8' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const stopped = new Promise((r) => (recorder.onstop = r));
      recorder.start(100);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const draw = () => {
          const t = (performance.now() - t0) / 1000;
          ctx.fillStyle = `hsl(${(t * 140) % 360} 70% 50%)`;
          ctx.fillRect(0, 0, 320, 240);
          ctx.fillStyle = '#fff';
          ctx.fillRect(40 + ((t * 120) % 200), 80, 60, 60);
          if (t < 2.5) requestAnimationFrame(draw);
          else resolve();
        };
        draw();
      });
      recorder.stop();
      await stopped;
      window.__testVideo = new Blob(chunks, { type: 'video/webm' });
    });
  }, 60_000);

  async function create(worker: boolean): Promise<void> {
    await demo().page.evaluate(async ({ manifest, worker }) => {
      await window.__streamClassifier?.dispose();
      window.__streamClassifier = await window.inpageClassifier.createClassifier({ model: manifest, backends: ['wasm'], baseUrl: '/shared-data/models/', worker });
    }, { manifest: imagenetManifest(), worker });
  }

  /** A forced GC, so the JS heap is measured without garbage. */
  async function collectGarbage(): Promise<void> {
    const cdp = await demo().page.context().newCDPSession(demo().page);
    await cdp.send('HeapProfiler.collectGarbage');
    await demo().page.waitForTimeout(200);
    await cdp.send('HeapProfiler.collectGarbage');
    await demo().page.waitForTimeout(200);
    await cdp.detach();
  }

  /** A video file played at 2x: the model (tens of ms a frame) is slower than the frames (every ~17 ms). */
  async function playVideoFile(): Promise<LoopOut> {
    return demo().page.evaluate(async () => {
      const clf = window.__streamClassifier!;
      // Every VideoFrame the loop captures from the element, counted (page mode: the loop runs here).
      const Original = VideoFrame;
      const captured: VideoFrame[] = [];
      (globalThis as { VideoFrame: typeof VideoFrame }).VideoFrame = class extends Original {
        constructor(image: CanvasImageSource, init?: VideoFrameInit) {
          super(image, init);
          captured.push(this);
        }
      } as unknown as typeof VideoFrame;
      const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, src: URL.createObjectURL(window.__testVideo!) });
      video.playbackRate = 2;
      const cacheSizeBefore = clf.stats().cache?.size ?? null;
      const stream = clf.classifyStream(video, { topK: 1 });
      await video.play();
      const out: Pick<LoopOut, 'mediaTimes' | 'frames' | 'top1'> = { mediaTimes: [], frames: [], top1: [] };
      for await (const r of stream) {
        out.mediaTimes.push(r.mediaTime);
        out.frames.push(r.frame);
        out.top1.push(r.top[0]!.label);
      }
      const summary = await stream.done;
      (globalThis as { VideoFrame: typeof VideoFrame }).VideoFrame = Original;
      return { ...out, summary, cacheSizeBefore, cacheSizeAfter: clf.stats().cache?.size ?? null, produced: captured.length, unclosed: captured.filter((f) => f.format !== null).length };
    });
  }

  /** `count` VideoFrames from an OffscreenCanvas, made as fast as they are read; each one kept to check it was closed. */
  async function generatedFrames(count: number, action: 'run' | 'dispose'): Promise<LoopOut> {
    return demo().page.evaluate(async ({ count, action }) => {
      const clf = window.__streamClassifier!;
      const canvas = new OffscreenCanvas(160, 120);
      const ctx = canvas.getContext('2d')!;
      const made: VideoFrame[] = [];
      let i = 0;
      const frames = new ReadableStream<VideoFrame>({
        async pull(controller) {
          if (i >= count) return controller.close();
          // For dispose(): frames at a camera's pace, so the loop is still running when it comes.
          if (action === 'dispose') await new Promise((r) => setTimeout(r, 10));
          ctx.fillStyle = `hsl(${(i * 7) % 360} 60% 50%)`;
          ctx.fillRect(0, 0, 160, 120);
          const frame = new VideoFrame(canvas, { timestamp: i * 33_333 });
          i += 1;
          try {
            controller.enqueue(frame);
            made.push(frame);
          } catch {
            frame.close(); // the loop cancelled the stream while this frame was being made: never handed over, ours to close
          }
        },
      }, { highWaterMark: 1 });
      const cacheSizeBefore = clf.stats().cache?.size ?? null;
      const mediaTimes: number[] = [];
      const frameNumbers: number[] = [];
      const stream = clf.classifyStream(frames, { onResult: (r) => { mediaTimes.push(r.mediaTime); frameNumbers.push(r.frame); } });
      if (action === 'dispose') {
        let ended = false;
        void stream.done.then(() => (ended = true));
        while (stream.counts().classified < 2 && !ended) await new Promise((r) => setTimeout(r, 20));
        await clf.dispose();
        window.__streamClassifier = undefined;
      }
      const summary = await stream.done;
      // A closed VideoFrame has no format and no size.
      const unclosed = made.filter((f) => f.format !== null).length;
      for (const f of made) f.close();
      return { summary, mediaTimes, frames: frameNumbers, top1: [], cacheSizeBefore, cacheSizeAfter: window.__streamClassifier?.stats().cache?.size ?? null, unclosed, produced: made.length };
    }, { count, action });
  }

  function expectOrdered(out: LoopOut): void {
    expect(out.mediaTimes.length).toBe(out.summary.classified);
    for (let k = 1; k < out.mediaTimes.length; k++) {
      expect(out.mediaTimes[k]!).toBeGreaterThan(out.mediaTimes[k - 1]!);
      expect(out.frames[k]!).toBeGreaterThan(out.frames[k - 1]!);
    }
    const { frames, classified, dropped, skipped, errors } = out.summary;
    expect(classified + dropped + skipped + errors).toBe(frames);
  }

  test('a video file: results in media-time order until it ends, frames dropped while the model is busy, no cache entries', async () => {
    await create(false);
    const out = await playVideoFile();
    expect(out.summary.reason).toBe('ended');
    expect(out.summary.classified).toBeGreaterThan(3);
    expect(out.summary.dropped).toBeGreaterThan(0);
    expect(out.summary.errors).toBe(0);
    expectOrdered(out);
    expect(out.cacheSizeAfter).toBe(out.cacheSizeBefore);
    // One capture per classified (or abandoned) frame, each closed; dropped frames were never captured.
    expect(out.produced).toBeGreaterThanOrEqual(out.summary.classified);
    expect(out.unclosed).toBe(0);
  });

  test('the fake camera (a MediaStream) with maxFps 5: frames at least 0.2 s of media time apart, ends on the signal, the app\'s track keeps running', async () => {
    const out = await demo().page.evaluate(async () => {
      const clf = window.__streamClassifier!;
      const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
      const controller = new AbortController();
      const mediaTimes: number[] = [];
      const frames: number[] = [];
      const stream = clf.classifyStream(media, { maxFps: 5, signal: controller.signal, onResult: (r) => { mediaTimes.push(r.mediaTime); frames.push(r.frame); } });
      await new Promise((r) => setTimeout(r, 3000));
      controller.abort();
      const summary = await stream.done;
      const trackLive = media.getVideoTracks()[0]!.readyState === 'live';
      for (const t of media.getTracks()) t.stop();
      return { summary, mediaTimes, frames, top1: [], cacheSizeBefore: null, cacheSizeAfter: null, trackLive };
    });
    expect(out.summary.reason).toBe('aborted');
    expect(out.summary.classified).toBeGreaterThanOrEqual(3);
    expect(out.summary.skipped).toBeGreaterThan(0);
    expectOrdered(out);
    for (let k = 1; k < out.mediaTimes.length; k++) expect(out.mediaTimes[k]! - out.mediaTimes[k - 1]!).toBeGreaterThanOrEqual(0.2 * 0.98 - 1e-9);
    expect(out.trackLive).toBe(true);
  });

  test('3000 generated VideoFrames: every one closed (classified or dropped), memory flat', async () => {
    const heap = () => demo().page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    await collectGarbage();
    const before = await heap();
    const out = await generatedFrames(3000, 'run');
    await collectGarbage();
    const after = await heap();
    expect(out.summary.reason).toBe('ended');
    expect(out.produced).toBe(3000);
    expect(out.summary.frames).toBe(3000);
    expect(out.summary.dropped).toBeGreaterThan(0);
    expect(out.summary.classified).toBeGreaterThan(0);
    expect(out.unclosed).toBe(0);
    expectOrdered(out);
    expect(out.cacheSizeAfter).toBe(out.cacheSizeBefore);
    expect(after - before, `JS heap grew by ${((after - before) / 1e6).toFixed(1)} MB`).toBeLessThan(20e6);
  });

  test('stop by break, bad sources and options', async () => {
    const out = await demo().page.evaluate(async () => {
      const clf = window.__streamClassifier!;
      const video = Object.assign(document.createElement('video'), { muted: true, src: URL.createObjectURL(window.__testVideo!) });
      const stream = clf.classifyStream(video);
      await video.play();
      let n = 0;
      for await (const _ of stream) if (++n === 2) break;
      video.pause();
      const summary = await stream.done;
      const errors: string[] = [];
      for (const bad of [() => clf.classifyStream(document.createElement('img') as unknown as HTMLVideoElement), () => clf.classifyStream(video, { maxFps: 0 }), () => clf.classifyStream(null as unknown as HTMLVideoElement)]) {
        try {
          bad();
          errors.push('no error');
        } catch (e) {
          errors.push(`${(e as Error).name}: ${(e as Error).message}`);
        }
      }
      return { reason: summary.reason, classified: summary.classified, errors };
    });
    expect(out.reason).toBe('stopped');
    expect(out.classified).toBeGreaterThanOrEqual(2);
    expect(out.errors[0]).toMatch(/^TypeError: classifyStream\(source\): source must be an HTMLVideoElement, a MediaStream or a ReadableStream/);
    expect(out.errors[1]).toMatch(/^TypeError: options.maxFps must be a positive number/);
    expect(out.errors[2]).toMatch(/^TypeError: .*got null/);
  });

  test('worker mode: the same loop posts each frame of a video', async () => {
    await create(true);
    const video = await playVideoFile();
    expect(video.summary.reason).toBe('ended');
    expect(video.summary.dropped).toBeGreaterThan(0);
    expectOrdered(video);
  }, 60_000);

  test('worker mode: dispose() ends a stream with reason disposed and every frame closed', async () => {
    await create(true);
    const out = await generatedFrames(2000, 'dispose');
    expect(out.summary.reason).toBe('disposed');
    expect(out.summary.classified).toBeGreaterThanOrEqual(2);
    expect(out.unclosed).toBe(0);
    expectOrdered(out);
  }, 60_000);
});
