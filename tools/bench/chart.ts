/**
 * docs/benchmarks.svg: one horizontal bar per run (p50 ms, log scale),
 * coloured by kind, labelled with its name and value. Hand-written SVG. Pure.
 */
import type { BenchReport, RunKind } from './report.js';

const COLORS: Record<RunKind, string> = {
  classify: '#1e3a8a',
  classifyCanvas: '#0e7490',
  classifyDefault: '#dc2626',
  classifyDefaultInPage: '#f87171',
  classifyTensor: '#3b82f6',
  raw: '#10b981',
  nsfwjs: '#f59e0b',
  node: '#6b7280',
  batch: '#8b5cf6',
  sequential: '#c4b5fd',
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

export function renderChart(report: Pick<BenchReport, 'runs' | 'machine'>): string {
  // Batch rows are per call of N images; the chart compares single-image latencies.
  const runs = report.runs.filter((r) => r.available !== false && Number.isFinite(r.p50Ms) && r.p50Ms > 0 && r.batch === 1 && r.kind !== 'sequential');
  const label = 250;
  const plot = 560;
  const right = 70;
  const row = 18;
  const top = 46;
  const width = label + plot + right;
  const height = top + Math.max(1, runs.length) * row + 40;
  const lo = runs.length ? Math.floor(Math.log10(Math.min(...runs.map((r) => r.p50Ms)))) : 0;
  const hi = runs.length ? Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...runs.map((r) => r.p50Ms))))) : 1;
  const x = (ms: number) => label + ((Math.log10(ms) - lo) / (hi - lo)) * plot;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="18" font-size="13" font-weight="600">p50 latency per run, ms (log scale; shorter is faster)</text>`,
    `<text x="8" y="34" fill="#555">${esc(`${report.machine.cpus} × ${report.machine.cpuModel}; ${report.machine.browser}; GPUs emulated`)}</text>`,
  ];
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + runs.length * row}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${gx}" y="${top + runs.length * row + 14}" text-anchor="middle" fill="#555">${esc((10 ** d).toLocaleString('en-US', { maximumFractionDigits: 3 }))}</text>`);
  }
  runs.forEach((r, i) => {
    const y = top + i * row;
    const x0 = x(10 ** lo);
    const w = Math.max(1, x(r.p50Ms) - x0);
    out.push(`<text x="${label - 6}" y="${y + 12}" text-anchor="end">${esc(r.name)}</text>`);
    out.push(`<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${row - 6}" fill="${COLORS[r.kind]}"><title>${esc(`${r.name}: p50 ${fmt(r.p50Ms)} ms, p95 ${fmt(r.p95Ms)} ms (${r.images} images)`)}</title></rect>`);
    out.push(`<text x="${(x0 + w + 4).toFixed(1)}" y="${y + 12}" fill="#111">${fmt(r.p50Ms)}</text>`);
  });
  const kinds = [...new Set(runs.map((r) => r.kind))];
  kinds.forEach((k, i) => {
    const lx = label + i * 105;
    const ly = height - 12;
    out.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[k]}"/><text x="${lx + 14}" y="${ly}">${esc(k)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
