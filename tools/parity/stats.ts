/**
 * Agreement between the server model's probabilities and a browser run's,
 * over the same images. Pure.
 */
export interface Agreement {
  images: number;
  /** Share of images whose top-1 class is the same. */
  top1Agreement: number;
  /** Mean overlap of the two top-5 sets (|A ∩ B| / 5); 1 = same five classes. */
  top5Agreement: number;
  /** Largest |p_server - p_browser| over every class of every image. */
  maxAbsDiffProb: number;
  /** Mean |p_server - p_browser| over every class of every image. */
  meanAbsDiffProb: number;
}

export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

export function agreement(server: ArrayLike<number>[], browser: ArrayLike<number>[]): Agreement {
  if (server.length !== browser.length) throw new RangeError(`${server.length} server results vs ${browser.length} browser results`);
  let top1 = 0;
  let top5 = 0;
  let max = 0;
  let sum = 0;
  let count = 0;
  server.forEach((s, i) => {
    const b = browser[i]!;
    if (s.length !== b.length) throw new RangeError(`image ${i}: ${s.length} vs ${b.length} classes`);
    const [sTop] = topIndices(s, 1);
    const [bTop] = topIndices(b, 1);
    if (sTop === bTop) top1++;
    const k = Math.min(5, s.length);
    const bSet = new Set(topIndices(b, k));
    top5 += topIndices(s, k).filter((x) => bSet.has(x)).length / k;
    for (let c = 0; c < s.length; c++) {
      const d = Math.abs(s[c]! - b[c]!);
      if (d > max) max = d;
      sum += d;
      count++;
    }
  });
  const n = server.length;
  return { images: n, top1Agreement: n ? top1 / n : 0, top5Agreement: n ? top5 / n : 0, maxAbsDiffProb: max, meanAbsDiffProb: count ? sum / count : 0 };
}
