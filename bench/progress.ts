/**
 * Progress of the benchmarks' long steps, on stderr (the figures go to stdout): a line when a step
 * starts, at least one every few seconds while it runs (a timer, and on every `add` once the
 * interval has passed, so that a loop that blocks the event loop still reports), and one when it
 * ends, e.g. "seeding media items: 12,000/50,000 (18 s)".
 */

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

export interface Progress {
  /** `n` more units of the step are done. */
  add(n?: number): void;
  /** The step is over: one last line with the count and the time it took. */
  done(): void;
  /** The step failed: one last line saying so. */
  failed(): void;
}

export interface ProgressOptions {
  /** How many units the step has, when known. */
  total?: number;
  /** The longest silence, in milliseconds (default 5 s, so a line comes at least every 10 s). */
  everyMs?: number;
  /** Where the lines go (default stderr); tests pass their own. */
  write?: (line: string) => void;
}

export function progress(label: string, options: ProgressOptions = {}): Progress {
  const { total, everyMs = 5000, write = (line: string) => process.stderr.write(`${line}\n`) } = options;
  const started = Date.now();
  let done = 0;
  let last = started;
  const status = () => `${label}: ${total === undefined ? (done ? count(done) : 'running') : `${count(done)}/${count(total)}`} (${seconds(Date.now() - started)})`;
  const report = () => {
    last = Date.now();
    write(status());
  };
  write(`${label}${total === undefined ? '' : `: 0/${count(total)}`} ...`);
  // The timer looks every second; a line is due once `everyMs` have passed since the last one.
  const timer = setInterval(() => {
    if (Date.now() - last >= everyMs) report();
  }, Math.min(1000, everyMs));
  timer.unref();
  let ended = false;
  const end = (outcome: string) => {
    if (ended) return;
    ended = true;
    clearInterval(timer);
    write(`${label}: ${outcome}${done ? `, ${count(done)}` : ''} in ${seconds(Date.now() - started)}`);
  };
  return {
    add(n = 1) {
      done += n;
      if (!ended && Date.now() - last >= everyMs) report();
    },
    done: () => end('done'),
    failed: () => end('failed'),
  };
}

/** Runs `fn` as one step with progress; the step ends (and its timer stops) whether `fn` succeeds or fails. */
export async function step<T>(label: string, fn: (p: Progress) => Promise<T>, options: ProgressOptions = {}): Promise<T> {
  const p = progress(label, options);
  try {
    const result = await fn(p);
    p.done();
    return result;
  } catch (err) {
    p.failed();
    throw err;
  }
}
