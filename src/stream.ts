/**
 * `classifier.classifyStream(source)`: a frame loop over a `<video>`, a
 * `MediaStream` or a `ReadableStream<VideoFrame>`, built on `classify` (so it
 * works alike in the page and in worker mode).
 *
 * - Driven by the frames themselves: `requestVideoFrameCallback` for a video
 *   element, the stream's own pace for frames (a MediaStream is read through
 *   `MediaStreamTrackProcessor` where the browser has it, else through a
 *   hidden video element).
 * - At most one frame in flight. A frame that arrives while the model is busy
 *   is dropped (counted), never queued: a queue would only add latency, and a
 *   live answer about a frame from seconds ago is wrong.
 * - Each frame is captured when it is presented (`new VideoFrame(video)`),
 *   so a result's `mediaTime` is the time of the pixels it describes.
 * - Every VideoFrame this loop creates or reads is closed on every path
 *   (classified, dropped, skipped, stopped).
 * - Frames bypass the result cache unless `cache: true`: two frames are never
 *   "the same file", and 30 entries a second would evict the real ones.
 */
import { ClassifierError, isClassifierError } from './errors.js';
import type { Classifier } from './classifier-api.js';
import { describeValue, isA } from './input/decode.js';
import type { FrameResult, FrameStream, FrameStreamCounts, FrameStreamOptions, FrameStreamSource, FrameStreamSummary, ImageInput } from './types.js';

/** Errors after which no frame can be classified any more: the loop ends with them. */
const FATAL = new Set(['DISPOSED', 'WORKER_FAILED', 'BACKEND_LOST', 'NO_BACKEND']);

/** One presented frame: its media time, and how to take and release its pixels. */
interface Presented {
  mediaTime: number;
  /** The input to classify (a VideoFrame captured now, or the element itself where VideoFrame is missing). */
  take(): ImageInput;
  /** Closes whatever take() (or the source) created; called exactly once per frame. */
  release(): void;
}

type Reason = FrameStreamSummary['reason'];

/** Results kept for an iterator that has not started yet (e.g. while `await video.play()` runs). */
const MAX_UNREAD_BEFORE_ITERATION = 100;


function checkOptions(options: FrameStreamOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('classifyStream(source, options): options must be an object');
  if (options.maxFps !== undefined && (typeof options.maxFps !== 'number' || !(options.maxFps > 0))) throw new TypeError(`options.maxFps must be a positive number of frames per second, got ${String(options.maxFps)}`);
  for (const name of ['onResult', 'onError'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new TypeError(`options.${name} must be a function`);
  }
}

/** The running loop behind a {@link FrameStream}. */
class FrameLoop implements FrameStream {
  readonly #classifier: Classifier;
  readonly #options: FrameStreamOptions;
  readonly #minGap: number;
  readonly #abort = new AbortController();
  readonly #counts: FrameStreamCounts = { frames: 0, classified: 0, dropped: 0, skipped: 0, errors: 0 };
  #busy: Promise<void> | null = null;
  #lastMediaTime = Number.NEGATIVE_INFINITY;
  #reason: Reason | null = null;
  #error: unknown;
  #teardown: () => void = () => {};
  readonly #resolveDone: (summary: FrameStreamSummary) => void;
  readonly done: Promise<FrameStreamSummary>;
  /** Results not yet read by an iterator (only kept once one exists). */
  readonly #unread: FrameResult[] = [];
  #iterating = false;
  #wake: (() => void) | null = null;

  constructor(classifier: Classifier, options: FrameStreamOptions) {
    this.#classifier = classifier;
    this.#options = options;
    // A little slack, so a 30 fps video with maxFps 30 is not thinned by timestamp jitter.
    this.#minGap = options.maxFps ? (1 / options.maxFps) * 0.98 : 0;
    let resolve!: (summary: FrameStreamSummary) => void;
    this.done = new Promise((r) => (resolve = r));
    this.#resolveDone = resolve;
    const { signal } = options;
    if (signal?.aborted) queueMicrotask(() => this.#finish('aborted'));
    else signal?.addEventListener('abort', () => this.#finish('aborted'), { once: true });
  }

  get stopped(): boolean {
    return this.#reason !== null;
  }

  /** Set by the source once it is attached: detaches it (callbacks, readers, hidden elements). */
  attach(teardown: () => void): void {
    this.#teardown = teardown;
    if (this.stopped) teardown();
  }

  counts(): FrameStreamCounts {
    return { ...this.#counts };
  }

  /** A frame was presented: classify it, or drop or skip it (and release it at once). */
  offer(frame: Presented): void {
    if (this.stopped) return frame.release();
    this.#counts.frames += 1;
    if (this.#busy) {
      this.#counts.dropped += 1;
      return frame.release();
    }
    if (frame.mediaTime - this.#lastMediaTime < this.#minGap) {
      this.#counts.skipped += 1;
      return frame.release();
    }
    this.#lastMediaTime = frame.mediaTime;
    let input: ImageInput;
    try {
      input = frame.take();
    } catch (error) {
      frame.release();
      return this.#failedFrame(error);
    }
    const index = this.#counts.frames;
    const { topK, region, cache } = this.#options;
    this.#busy = this.#classifier.classify(input, { signal: this.#abort.signal, cache: cache ?? false, ...(topK === undefined ? {} : { topK }), ...(region ? { region } : {}) }).then(
      (result) => {
        this.#counts.classified += 1;
        this.#deliver({ ...result, mediaTime: frame.mediaTime, frame: index, dropped: this.#counts.dropped });
      },
      (error: unknown) => this.#failedFrame(error),
    ).finally(() => {
      frame.release();
      this.#busy = null;
      if (this.stopped) this.#settle();
    });
  }

  #failedFrame(error: unknown): void {
    // Our own stop abandons the frame in flight: it counts as dropped, not as an error of the stream.
    if (this.stopped && isClassifierError(error, 'ABORTED')) {
      this.#counts.dropped += 1;
      return;
    }
    if (isClassifierError(error) && FATAL.has(error.code)) {
      this.#finish(error.code === 'DISPOSED' ? 'disposed' : 'failed', error);
      return;
    }
    this.#counts.errors += 1;
    try {
      this.#options.onError?.(error);
    } catch {
      // the app's callback must not end the loop
    }
  }

  #deliver(result: FrameResult): void {
    try {
      this.#options.onResult?.(result);
    } catch {
      // as above
    }
    this.#unread.push(result);
    // Until an iterator starts (an app may only pass onResult), keep the latest few, not all.
    if (!this.#iterating && this.#unread.length > MAX_UNREAD_BEFORE_ITERATION) this.#unread.shift();
    this.#wake?.();
  }

  /** Ends the loop (the first reason wins); the frame in flight is aborted, and `done` resolves once it settled. */
  #finish(reason: Reason, error?: unknown): void {
    if (this.stopped) return;
    this.#reason = reason;
    this.#error = error;
    try {
      this.#teardown();
    } catch {
      // a source already gone
    }
    // The source ended: its last frame still gets its answer. Otherwise the frame in flight is abandoned.
    if (reason !== 'ended') this.#abort.abort(new ClassifierError('ABORTED', `classifyStream stopped (${reason}).`));
    this.#wake?.();
    if (!this.#busy) this.#settle();
  }

  #settle(): void {
    const summary: FrameStreamSummary = { ...this.#counts, reason: this.#reason! };
    if (this.#error !== undefined) summary.error = this.#error;
    this.#resolveDone(summary);
    this.#wake?.();
  }

  /** The source has no more frames (the video ended, the stream closed). */
  ended(): void {
    this.#finish('ended');
  }

  /** The source failed (e.g. the stream errored): the loop ends with that error. */
  sourceFailed(error: unknown): void {
    this.#finish('failed', error);
  }

  stop(): void {
    this.#finish('stopped');
  }

  /** The classifier was disposed under the loop. */
  disposed(): void {
    this.#finish('disposed');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<FrameResult, void, undefined> {
    this.#iterating = true;
    try {
      for (;;) {
        const next = this.#unread.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.stopped && !this.#busy) break;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = null;
      }
      const summary = await this.done;
      if (summary.reason === 'failed' && summary.error !== undefined) throw summary.error;
    } finally {
      // `break` in a for-await loop ends the stream.
      this.stop();
    }
  }
}

/** A video element's frames, as it presents them (requestVideoFrameCallback, else animation frames). */
function fromVideo(loop: FrameLoop, video: HTMLVideoElement): void {
  const capture = (mediaTime: number): Presented => {
    let frame: VideoFrame | null = null;
    return {
      mediaTime,
      take: () => {
        if (typeof VideoFrame === 'undefined') return video;
        // The pixels presented now; the element may have moved on by the time classify draws.
        frame = new VideoFrame(video, { timestamp: Math.round(mediaTime * 1e6) });
        return frame;
      },
      release: () => frame?.close(),
    };
  };
  const onEnded = () => loop.ended();
  video.addEventListener('ended', onEnded);
  if (typeof video.requestVideoFrameCallback === 'function') {
    let handle = 0;
    const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
      if (loop.stopped) return;
      loop.offer(capture(metadata.mediaTime));
      handle = video.requestVideoFrameCallback(onFrame);
    };
    handle = video.requestVideoFrameCallback(onFrame);
    loop.attach(() => {
      video.cancelVideoFrameCallback(handle);
      video.removeEventListener('ended', onEnded);
    });
    return;
  }
  let raf = 0;
  let last = Number.NaN;
  const poll = () => {
    if (loop.stopped) return;
    if (!video.paused && video.readyState >= 2 && video.currentTime !== last) {
      last = video.currentTime;
      loop.offer(capture(last));
    }
    raf = requestAnimationFrame(poll);
  };
  raf = requestAnimationFrame(poll);
  loop.attach(() => {
    cancelAnimationFrame(raf);
    video.removeEventListener('ended', onEnded);
  });
}

/** Frames of a ReadableStream, read as fast as they come (a busy model drops them rather than letting the stream back up). */
function fromFrames(loop: FrameLoop, frames: ReadableStream<VideoFrame>, onDetach: () => void = () => {}): void {
  let reader: ReadableStreamDefaultReader<VideoFrame>;
  try {
    reader = frames.getReader();
  } catch (error) {
    throw new TypeError(`classifyStream: the ReadableStream could not be read (${error instanceof Error ? error.message : String(error)}); is it locked by another reader?`);
  }
  loop.attach(() => {
    reader.cancel().catch(() => {});
    onDetach();
  });
  const pump = async () => {
    for (;;) {
      let next: ReadableStreamReadResult<VideoFrame>;
      try {
        next = await reader.read();
      } catch (error) {
        if (!loop.stopped) loop.sourceFailed(error);
        return;
      }
      if (next.done) {
        if (!loop.stopped) loop.ended();
        return;
      }
      const frame = next.value;
      if (!isA('VideoFrame', frame)) {
        loop.sourceFailed(new ClassifierError('UNSUPPORTED_INPUT', `classifyStream: the stream gave ${describeValue(frame)}; a ReadableStream<VideoFrame> is accepted.`));
        return;
      }
      loop.offer({ mediaTime: frame.timestamp / 1e6, take: () => frame, release: () => frame.close() });
      if (loop.stopped) return;
    }
  };
  void pump();
}

/** A MediaStream's first video track: through MediaStreamTrackProcessor where there is one, else a hidden, muted video element. */
function fromMediaStream(loop: FrameLoop, stream: MediaStream): void {
  const [track] = stream.getVideoTracks();
  if (!track) throw new TypeError('classifyStream: the MediaStream has no video track');
  const Processor = (globalThis as { MediaStreamTrackProcessor?: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> } }).MediaStreamTrackProcessor;
  if (Processor) {
    // A clone, so cancelling our reader never ends the app's own track.
    const own = track.clone();
    fromFrames(loop, new Processor({ track: own, maxBufferSize: 1 }).readable, () => own.stop());
    track.addEventListener('ended', () => loop.ended(), { once: true });
    return;
  }
  const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, srcObject: stream });
  fromVideo(loop, video);
  video.play().catch((error: unknown) => loop.sourceFailed(error));
  track.addEventListener('ended', () => loop.ended(), { once: true });
}

/**
 * Starts a frame loop for `classifier` (what `classifier.classifyStream` does).
 * @throws TypeError for a source that is not a video element, MediaStream or ReadableStream, or a bad option
 */
function startFrameStream(classifier: Classifier, source: FrameStreamSource, options: FrameStreamOptions = {}): FrameLoop {
  checkOptions(options);
  const loop = new FrameLoop(classifier, options);
  if (isA('HTMLVideoElement', source)) fromVideo(loop, source as HTMLVideoElement);
  else if (isA('MediaStream', source)) fromMediaStream(loop, source as MediaStream);
  else if (isA('ReadableStream', source)) fromFrames(loop, source as ReadableStream<VideoFrame>);
  else throw new TypeError(`classifyStream(source): source must be an HTMLVideoElement, a MediaStream or a ReadableStream<VideoFrame>; got ${source === null ? 'null' : typeof source}`);
  return loop;
}

/** The streams a classifier runs, stopped when it is disposed. */
export class StreamRegistry {
  readonly #live = new Set<FrameLoop>();

  /** Starts a loop for `classifier` and keeps it until it ends. */
  start(classifier: Classifier, source: FrameStreamSource, options?: FrameStreamOptions): FrameStream {
    const loop = startFrameStream(classifier, source, options);
    this.#live.add(loop);
    void loop.done.then(() => this.#live.delete(loop));
    return loop;
  }

  /** dispose(): each ends with reason 'disposed'. */
  disposeAll(): void {
    for (const loop of this.#live) loop.disposed();
  }
}
