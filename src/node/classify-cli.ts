/**
 * `inpage-classifier classify <files or folders...> --model <dir> [--out results.jsonl] ...`:
 * classifyFiles as a command. Results go to --out (appended, resumable) or
 * to stdout as JSON Lines; progress and the summary to stderr. Exit codes:
 * 0 every file classified, 1 some failed (in this run, or in --out from an
 * earlier one), 2 usage error or the run could not
 * start (model, paths, peers), 130 stopped by Ctrl-C (what was done is written).
 */
import { describeError } from '../errors.js';
import { CLASSIFY_DEFAULTS, type ClassifyFilesOptions, classifyFiles } from './classify-files.js';
import { formatSummary, ProgressLine, type ProgressStream } from './progress.js';

export const CLASSIFY_USAGE = `usage: inpage-classifier classify <files or folders...> --model <dir or manifest.json> [flags]

Classifies every image under the paths (folders recursively; by content, not by file name) with a packed
ONNX model in Node (onnxruntime-node + sharp: npm install onnxruntime-node sharp), with the page's
preprocessing. One JSON line per file: {"file","top":[{"label","index","score"}],"timings"} or
{"file","error":{"code","message"}}. See docs/node.md.
  --model <path>        a packed model folder or its manifest.json (inpage-classifier pack writes one)
  --out <file>          append the lines to <file> instead of stdout; files already in it are skipped (resume)
  --concurrency <n>     files decoded and preprocessed at a time (default ${CLASSIFY_DEFAULTS.concurrency} here: the CPUs, 4 to UV_THREADPOOL_SIZE; at most ${CLASSIFY_DEFAULTS.maxConcurrency})
  --top <k>             classes per file (default ${CLASSIFY_DEFAULTS.topK})
  --background <colour> what transparent areas are composited on: #rgb, #rrggbb, white, black (default #ffffff)
  --max-pixels <n>      larger images are INPUT_TOO_LARGE, from the header (default 50000000)
  --max-bytes <n>       larger files are INPUT_TOO_LARGE (default 20971520)
  --remote <url>        run the model on an inference server (a cluster) instead: the tensor is posted, --concurrency requests in flight
  --protocol <p>        with --remote: v2 (Open Inference Protocol V2: KServe, Triton, MLServer; default) or tfserving
  --quiet               no progress line (the summary is still printed)
Exit code: 0 all classified, 1 some files failed (now or in --out before), 2 usage error or the run could not start, 130 interrupted.`;

/** Where the command writes: injectable for tests. */
export interface ClassifyIO {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
}

class UsageError extends Error {}

interface ParsedArgs {
  paths: string[];
  options: ClassifyFilesOptions;
  quiet: boolean;
}

function intFlag(flag: string, value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${flag} needs a whole number, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  return Number(value);
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const paths: string[] = [];
  const options: ClassifyFilesOptions = { model: '' };
  const limits: { maxPixels?: number; maxBytes?: number } = {};
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--model') options.model = value();
    else if (flag === '--out') options.out = value();
    else if (flag === '--concurrency') options.concurrency = intFlag(flag, value());
    else if (flag === '--top') options.topK = intFlag(flag, value());
    else if (flag === '--background') options.background = value();
    else if (flag === '--max-pixels') limits.maxPixels = intFlag(flag, value());
    else if (flag === '--max-bytes') limits.maxBytes = intFlag(flag, value());
    else if (flag === '--remote') options.remote = { ...options.remote, url: value() };
    else if (flag === '--protocol') {
      const protocol = value();
      if (protocol !== 'v2' && protocol !== 'tfserving') throw new UsageError(`--protocol must be v2 or tfserving, got ${protocol}`);
      options.remote = { url: '', ...options.remote, protocol };
    } else if (flag === '--quiet') quiet = true;
    else if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown flag ${flag}`);
    else paths.push(arg);
  }
  if (!options.model) throw new UsageError('needs --model <packed model folder or manifest.json>');
  if (!paths.length) throw new UsageError('needs at least one file or folder to classify');
  if (options.remote && !options.remote.url) throw new UsageError('--protocol needs --remote <url>');
  if (Object.keys(limits).length) options.limits = limits;
  return { paths, options, quiet };
}

/** `classify ...` as the CLI runs it. @returns the exit code */
export async function runClassifyCommand(argv: readonly string[], io: ClassifyIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${CLASSIFY_USAGE}\n`);
    return 0;
  }
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.stderr.write(`inpage-classifier classify: ${describeError(error)}\n\n${CLASSIFY_USAGE}\n`);
    return 2;
  }
  const { paths, options, quiet } = args;
  const progress = new ProgressLine(io.stderr);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write('\ninpage-classifier classify: stopping after the files in flight (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let started = false;
  try {
    const summary = await classifyFiles(paths, {
      ...options,
      signal: controller.signal,
      onResult: (result) => {
        started = true;
        if (!options.out) io.stdout.write(`${JSON.stringify(result)}\n`);
      },
      ...(quiet ? {} : { onProgress: (p) => progress.update(p) }),
    });
    progress.finish(formatSummary(summary, options.out));
    if (summary.aborted) return 130;
    return summary.failed > 0 || summary.skippedFailed > 0 ? 1 : 0;
  } catch (error) {
    io.stderr.write(`inpage-classifier classify: ${describeError(error)}\n`);
    return started ? 1 : 2;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
