/**
 * `npm run sweep -- [--dry-run] [--today=YYYY-MM-DD]`: runs the retention sweep by hand against
 * the backend started with `npm start` (its DynamoDB Local and s3rver ports). `--dry-run` lists
 * what would be deleted or dropped, and why; `--today` passes a clock in (e.g. to see example 7).
 */
import { isCalendarDate, startOfAmsterdamDay } from '../functions/domain/calendar';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage';

async function main(): Promise<void> {
  const dryRun = process.argv.includes('--dry-run');
  const todayArg = process.argv.find((a) => a.startsWith('--today='))?.slice('--today='.length);
  if (todayArg !== undefined && !isCalendarDate(todayArg)) throw new Error(`--today must be a date as YYYY-MM-DD, got ${todayArg}`);
  const dynamo = `http://127.0.0.1:${process.env.BT_DYNAMODB_PORT ?? 8000}`;
  const s3 = `http://127.0.0.1:${process.env.BT_S3_PORT ?? 4569}`;
  const reachable = await fetch(dynamo).then(
    () => true,
    () => false,
  );
  if (!reachable) throw new Error(`DynamoDB Local is not running at ${dynamo}: start the backend with \`npm start\` first`);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: 'beeldtoestemming-local',
    DYNAMODB_ENDPOINT: dynamo,
    BUCKET_NAME: 'beeldtoestemming-local-media',
    S3_ENDPOINT: s3,
    NOTICE_VERSION: 'local',
    // The sweep verifies no tokens; the runtime only needs a well-formed setting.
    JWT_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1/unused', jwksUri: 'http://127.0.0.1/unused', clientIds: ['unused'], roles: ['admin'] }]),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  });
  const { getRuntime } = await import('../functions/shared/runtime');
  const { runSweep } = await import('../functions/retention/sweep');
  const rt = getRuntime();
  if (todayArg) {
    const noon = new Date(startOfAmsterdamDay(todayArg).getTime() + 12 * 3600_000);
    rt.now = () => noon;
  }
  const report = await runSweep(rt, { dryRun });
  console.log(`sweep ${dryRun ? '(dry run) ' : ''}for ${report.today}: ${report.examined} item(s) due or to check`);
  if (dryRun) {
    for (const eventId of report.pendingWithdrawals) console.log(`  withdrawal ${eventId}  propagate (its prompt propagation did not happen)`);
    for (const { mediaId, plan } of report.planned) {
      const what =
        plan.action === 'delete' ? `delete (${plan.reason})` : plan.action === 'drop_purposes' ? `drop ${plan.expired.join(', ')}; keep ${plan.remaining.join(', ')}` : 'keep';
      console.log(`  ${mediaId}  ${what}`);
    }
  } else {
    console.log(`  deleted: ${Object.entries(report.deleted).map(([r, n]) => `${r} ${n}`).join(', ')}`);
    console.log(`  withdrawals propagated: ${report.withdrawalsPropagated}, purposes dropped: ${report.purposesDropped}, kept: ${report.kept}, failures: ${report.failures.length}`);
  }
  if (report.failures.length > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
