/**
 * `npm run audit:verify -- [--month=YYYY-MM]`: recomputes the audit trail's hash chains of the
 * backend started with `npm start` (every month, or one) and reports, per month, the first entry
 * where a chain breaks. Exits 1 when any chain is broken, so that it can guard a script.
 */
import { attachToLocalBackend } from './attach';

async function main(): Promise<void> {
  const monthArg = process.argv.find((a) => a.startsWith('--month='))?.slice('--month='.length);
  if (monthArg !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(monthArg)) throw new Error(`--month must be a month as YYYY-MM, got ${monthArg}`);
  const rt = await attachToLocalBackend();
  const months = monthArg ? [monthArg] : await rt.audit.months();
  let broken = 0;
  for (const month of months) {
    const report = await rt.audit.verifyMonth(month);
    if (report.ok) {
      console.log(`${month}  ok      ${report.checked} entries`);
    } else {
      broken++;
      const b = report.firstBreak!;
      console.log(`${month}  BROKEN  at entry ${b.seq}${b.entryId ? ` (${b.entryId})` : ''}: ${b.problem}, after ${report.checked} intact entries`);
    }
  }
  let pending = 0;
  for await (const _entry of rt.audit.pending()) pending++;
  console.log(`${months.length} month(s) checked, ${broken} broken; ${pending} entr${pending === 1 ? 'y' : 'ies'} waiting to be linked`);
  if (broken > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
