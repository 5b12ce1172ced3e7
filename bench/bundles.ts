/**
 * `npx tsx bench/bundles.ts [--quick]`: every Lambda handler bundled with esbuild as
 * infra/constructs/app-function.ts has NodejsFunction bundle it (CommonJS, minified, target node24
 * for NODEJS_24_X, the AWS SDK bundled, mainFields module then main, external source maps without
 * sources), plus a reference bundle that only creates a DynamoDBClient. Prints the minified size
 * and the cold import time in a fresh Node process (median of 5), and the ratio of each import
 * time to the reference's. No assertions. `--quick`: one process per bundle instead of 5.
 * Progress goes to stderr.
 */
import './quiet';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { AUTHORIZER_HANDLER, OBJECT_CREATED_HANDLER, ROUTES, SWEEP_HANDLER, WITHDRAWAL_STREAM_HANDLER, handlerId } from '../functions/routes';
import { benchArgsOrExit } from './args';
import { step } from './progress';

const args = benchArgsOrExit([]);
const ROOT = path.resolve(__dirname, '..');
const RUNS = args.quick ? 1 : 5;
const REFERENCE = 'reference: DynamoDBClient only';

/** What the handlers read from the environment when they are imported. */
const HANDLER_ENV = {
  TABLE_NAME: 'bench',
  NOTICE_VERSION: '2026-09',
  JWT_ISSUERS: JSON.stringify([{ issuer: 'https://example.invalid', jwksUri: 'https://example.invalid/jwks', clientIds: ['x'], roles: ['admin'] }]),
  AWS_REGION: 'eu-central-1',
  BUCKET_NAME: 'b',
  AGE_POLICY: 'youth-care',
  POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** NodejsFunction's bundling options in app-function.ts, as esbuild options. */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  // NodejsFunction derives the target from the runtime: NODEJS_24_X -> node24.
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // bundleAwsSDK: true, so no `@aws-sdk/*` externals.
  external: [],
  logLevel: 'error',
} satisfies BuildOptions;

/**
 * Every handler in one esbuild run: without code splitting each entry point still gets a bundle of
 * its own, the same as a build of its own (as NodejsFunction runs), but the shared modules (the AWS
 * SDK above all) are parsed once instead of once per handler.
 */
async function bundleAll(targets: readonly { entry: string; out: string }[], outdir: string): Promise<void> {
  await build({ ...BUILD_OPTIONS, entryPoints: targets.map((t) => ({ in: t.entry, out: path.basename(t.out, '.js') })), outdir });
}

function importMs(file: string): number {
  const script = `const t=process.hrtime.bigint(); require(${JSON.stringify(file)}); console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  const out = execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '', ...HANDLER_ENV }, encoding: 'utf8' });
  const lines = out.trim().split('\n');
  return Number(lines[lines.length - 1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bt-bundles-'));
  try {
    const handlers = [...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER, OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER, SWEEP_HANDLER];
    const referenceEntry = path.join(dir, 'reference-entry.ts');
    const targets = [
      { name: REFERENCE, entry: referenceEntry, out: path.join(dir, 'reference.js') },
      ...handlers.map((h) => ({ name: h, entry: path.join(ROOT, 'functions', `${h}.handler.ts`), out: path.join(dir, `${handlerId(h)}.js`) })),
    ];
    // The reference entry resolves its packages from the project, not from the temp dir.
    await step(`bundling ${handlers.length} handlers and the reference`, () =>
      Promise.all([bundleFromRoot(referenceEntry, path.join(dir, 'reference.js')), bundleAll(targets.filter((t) => t.name !== REFERENCE), dir)]),
    );
    // Each import runs in a process of its own, synchronously: progress is reported between them.
    // Round after round over every bundle, so that a slower spell of the machine falls on all alike.
    const times = targets.map(() => [] as number[]);
    await step(
      `importing each of ${targets.length} bundles in ${RUNS} fresh processes`,
      async (p) => {
        for (let run = 0; run < RUNS; run++) {
          targets.forEach((t, i) => {
            times[i]!.push(importMs(t.out));
            p.add();
          });
        }
      },
      { total: targets.length * RUNS },
    );
    const rows = targets.map((t, i) => ({ name: t.name, kb: statSync(t.out).size / 1024, ms: median(times[i]!) }));
    const ref = rows.find((r) => r.name === REFERENCE)!;
    const withRatio = rows.map((r) => ({ ...r, ratio: r.ms / ref.ms })).sort((a, b) => a.ratio - b.ratio);
    console.log(`\nLambda bundles (esbuild as NodejsFunction: cjs, minified, node24, SDK bundled; import time ${RUNS === 1 ? 'of one fresh process (--quick)' : `median of ${RUNS} fresh processes`}, node ${process.version})\n`);
    console.log('| bundle | minified KB | import ms (median) | ratio to reference |');
    console.log('|---|---:|---:|---:|');
    for (const r of withRatio) console.log(`| ${r.name} | ${r.kb.toFixed(1)} | ${r.ms.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
    const over = withRatio.filter((r) => r.name !== REFERENCE && r.ratio > 1.5);
    console.log(`\n${over.length} of ${handlers.length} handlers exceed 1.5 x the reference import time${over.length ? `: ${over.map((r) => r.name).join(', ')}` : ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference bundle: same options, with packages resolved from the project's node_modules. */
async function bundleFromRoot(entry: string, outfile: string): Promise<void> {
  await build({
    ...BUILD_OPTIONS,
    stdin: { contents: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport const client = new DynamoDBClient({});\n`, resolveDir: ROOT, sourcefile: entry, loader: 'ts' },
    outfile,
  });
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
