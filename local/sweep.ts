/**
 * `npm run sweep -- [--dry-run] [--today=YYYY-MM-DD]`: runs the retention sweep by hand against
 * the backend started with `npm start` (its DynamoDB Local and s3rver ports). `--dry-run` lists
 * what would be deleted or dropped, and why; `--today` passes a clock in (e.g. to see example 7).
 */
import { isCalendarDate, startOfAmsterdamDay } from '../functions/domain/calendar';
import { attachToLocalBackend } from './attach';

async function main(): Promise<void> {
  const dryRun = process.argv.includes('--dry-run');
  const todayArg = process.argv.find((a) => a.startsWith('--today='))?.slice('--today='.length);
  if (todayArg !== undefined && !isCalendarDate(todayArg)) throw new Error(`--today must be a date as YYYY-MM-DD, got ${todayArg}`);
  const rt = await attachToLocalBackend();
  const { runSweep } = await import('../functions/retention/sweep');
  if (todayArg) {
    const noon = new Date(startOfAmsterdamDay(todayArg).getTime() + 12 * 3600_000);
    rt.now = () => noon;
  }
  const report = await runSweep(rt, { dryRun });
  console.log(`sweep ${dryRun ? '(dry run) ' : ''}for ${report.today}: ${report.examined} item(s) due or to check`);
  if (dryRun) {
    for (const eventId of report.pendingWithdrawals) console.log(`  withdrawal ${eventId}  propagate (its prompt propagation did not happen)`);
    for (const childId of report.erasuresCompleted) console.log(`  child ${childId}  complete its erasure (it stopped halfway)`);
    for (const { mediaId, plan } of report.planned) {
      const what =
        plan.action === 'delete' ? `delete (${plan.reason})` : plan.action === 'drop_purposes' ? `drop ${plan.expired.join(', ')}; keep ${plan.remaining.join(', ')}` : 'keep';
      console.log(`  ${mediaId}  ${what}`);
    }
  } else {
    console.log(`  deleted: ${Object.entries(report.deleted).map(([r, n]) => `${r} ${n}`).join(', ')}`);
    console.log(`  withdrawals propagated: ${report.withdrawalsPropagated}, erasures completed: ${report.erasuresCompleted.length}, purposes dropped: ${report.purposesDropped}, kept: ${report.kept}`);
    console.log(`  audit entries linked: ${report.auditLinked}, failures: ${report.failures.length}`);
  }
  if (report.failures.length > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
