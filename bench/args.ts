/**
 * The benchmarks' command line: `--quick` (every benchmark on small data, for CI and a first look)
 * and `--name=value` settings of each benchmark. An argument a benchmark does not know stops it
 * with one line, so that a mistyped setting is not silently ignored.
 */
export interface BenchArgs {
  quick: boolean;
  /** The value of `--name=value`, if given. */
  value: (name: string) => string | undefined;
  /** The number given as `--name=N`, else `fallback`; anything but a positive integer stops the benchmark. */
  number: (name: string, fallback: number) => number;
}

export function benchArgs(known: readonly string[], argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  for (const a of argv) {
    const setting = /^--([a-z]+)=./.exec(a)?.[1];
    if (a !== '--quick' && !(setting && known.includes(setting))) {
      throw new Error(`unknown argument ${a}: expected --quick${known.map((k) => ` or --${k}=...`).join('')}`);
    }
  }
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    quick: argv.includes('--quick'),
    value,
    number: (name, fallback) => {
      const raw = value(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, not ${raw}`);
      return n;
    },
  };
}

/** `benchArgs` for a benchmark's entry point: a bad argument prints one line and exits with 2. */
export function benchArgsOrExit(known: readonly string[]): BenchArgs {
  try {
    return benchArgs(known);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
