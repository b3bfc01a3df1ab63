/**
 * Where pictures come from besides the file picker: dropped files and whole
 * folders (DataTransferItem entries, read recursively), pasted images, and
 * the camera (getUserMedia, classified a few times a second, never queued
 * faster than results come back).
 */

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function filesIn(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await fileOf(entry as FileSystemFileEntry)];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const files: File[] = [];
  // readEntries answers in batches (about 100) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return files;
    for (const child of batch) files.push(...(await filesIn(child)));
  }
}

/** Every file in a drop, descending into dropped folders. */
export async function droppedFiles(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items].map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null));
  if (entries.some((e) => e?.isDirectory)) {
    const nested = await Promise.all(entries.filter((e): e is FileSystemEntry => e !== null).map(filesIn));
    return nested.flat();
  }
  return [...data.files];
}

export interface Camera {
  video: HTMLVideoElement;
  stop(): void;
}

/**
 * Starts the camera and shows it; the classifier's frame loop
 * (`classifyStream`) reads the frames from the video element.
 */
export async function startCamera(): Promise<Camera> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const video = Object.assign(document.createElement('video'), { muted: true, playsInline: true, srcObject: stream });
  await video.play();
  return {
    video,
    stop() {
      for (const track of stream.getTracks()) track.stop();
    },
  };
}
