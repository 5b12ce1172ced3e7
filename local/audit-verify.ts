/**
 * `npm run audit:verify -- [--month=YYYY-MM] [--refs]`: recomputes the audit trail's hash chains
 * of the backend started with `npm start` (every month, or one) and reports, per month, the first
 * entry where a chain breaks. `--refs` also checks that every entry is in the trail of each child
 * and item it names (reads every reference). Warns when a month between the first and the last is
 * missing altogether. Exits 1 when anything is broken, so that it can guard a script.
 */
import { attachToLocalBackend } from './attach';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The months from `first` to `last`, inclusive. */
function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  for (let month = first; month <= last; month = `${y}-${String(m).padStart(2, '0')}`) {
    out.push(month);
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
  return out;
}

async function main(): Promise<void> {
  const monthArg = process.argv.find((a) => a.startsWith('--month='))?.slice('--month='.length);
  const refs = process.argv.includes('--refs');
  if (monthArg !== undefined && !MONTH.test(monthArg)) throw new Error(`--month must be a month as YYYY-MM, got ${monthArg}`);
  const rt = await attachToLocalBackend();
  const all = await rt.audit.months();
  const months = monthArg ? [monthArg] : all;
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
    if (refs) {
      const missing = await rt.audit.missingReferences(month);
      if (missing.length > 0) {
        broken++;
        for (const m of missing.slice(0, 20)) console.log(`${month}  MISSING the trail reference of entry ${m.seq} in ${m.subject}`);
        if (missing.length > 20) console.log(`${month}  ... and ${missing.length - 20} more missing references`);
      }
    }
  }
  if (!monthArg && all.length > 1) {
    const gaps = monthsBetween(all[0]!, all.at(-1)!).filter((m) => !all.includes(m));
    for (const m of gaps) console.log(`${m}  WARNING no chain at all (a month without any audited action, or one removed whole)`);
  }
  const pending = await rt.audit.countPending();
  console.log(`${months.length} month(s) checked, ${broken} broken; ${pending} entr${pending === 1 ? 'y' : 'ies'} waiting to be linked`);
  if (broken > 0) process.exitCode = 1;
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
