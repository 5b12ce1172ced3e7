/**
 * No `as unknown as` anywhere in the project's TypeScript: such a cast once built a runtime that
 * lacked a member (`rt.newId is not a function` in the benchmark) without tsc noticing. Runtimes
 * come from createRuntime, records from their schemas or their builders, events typed in full.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIRS = ['bench', 'functions', 'infra', 'local', 'scripts', 'test'];
const CAST = /\bas\s+unknown\s+as\b/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(full);
    return /\.(c|m)?tsx?$/.test(e.name) ? [full] : [];
  });
}

/** `file:line` of every double cast in `files`. */
function doubleCasts(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (CAST.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}`] : [])),
  );
}

test('the project has no `as unknown as` cast', () => {
  const files = DIRS.flatMap((d) => sources(path.join(ROOT, d))).filter((f) => f !== __filename);
  expect(files.length).toBeGreaterThan(100);
  expect(doubleCasts(files)).toEqual([]);
});

test('the check finds a cast (this file names one in its own text)', () => {
  expect(doubleCasts([__filename]).length).toBeGreaterThan(0);
});
