/**
 * `npm run bench [-- --quick]`: the three benchmarks one after the other, each in a fresh Node
 * process (as each measures cold starts and its own engines): the sweep, every API operation,
 * every Lambda bundle. `--quick` runs all three on small data (for CI and a first look, in under two
 * minutes here); the figures go to stdout, progress to stderr. The first benchmark that fails
 * stops the run with its exit code. Settings of one benchmark (`--n`, `--items`, `--seed`) are
 * given to it alone: `npx tsx bench/operations.ts --items=5000`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { benchArgsOrExit } from './args';

const BENCHMARKS = ['sweep.ts', 'operations.ts', 'bundles.ts'] as const;

const args = benchArgsOrExit([]);

/** What the benchmarks need from the environment before their first import (the logger reads its level then). */
const ENV = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' };

let current: ChildProcess | undefined;
let stopping: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopping = signal;
    current?.kill(signal);
  });
}

function run(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, file), ...(args.quick ? ['--quick'] : [])], {
      stdio: 'inherit',
      env: { ...process.env, ...ENV },
    });
    current = child;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      current = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  for (const file of BENCHMARKS) {
    process.stderr.write(`bench: ${file}${args.quick ? ' --quick' : ''} ...\n`);
    const begun = Date.now();
    const code = await run(file);
    if (stopping) {
      process.stderr.write(`bench: stopped by ${stopping}\n`);
      process.exit(1);
    }
    if (code !== 0) {
      process.stderr.write(`bench: ${file} failed (exit code ${code})\n`);
      process.exit(code);
    }
    process.stderr.write(`bench: ${file} ran in ${((Date.now() - begun) / 1000).toFixed(0)} s\n`);
  }
  process.stderr.write(`bench: all ${BENCHMARKS.length} benchmarks ran in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
