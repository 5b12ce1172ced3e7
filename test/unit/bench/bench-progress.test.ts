import { benchArgs } from '../../../bench/args';
import { progress, step } from '../../../bench/progress';

describe('bench progress', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('writes a line when a step starts, at least every interval while nothing is added, and when it ends', () => {
    const lines: string[] = [];
    const p = progress('seeding items', { total: 50_000, everyMs: 5000, write: (l) => lines.push(l) });
    expect(lines).toEqual(['seeding items: 0/50,000 ...']);
    p.add(12_000);
    jest.advanceTimersByTime(5000);
    expect(lines[1]).toBe('seeding items: 12,000/50,000 (5 s)');
    // A long silence of the work itself: the timer still reports, once per interval.
    jest.advanceTimersByTime(20_000);
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe('seeding items: 12,000/50,000 (25 s)');
    p.done();
    expect(lines[6]).toBe('seeding items: done, 12,000 in 25 s');
    jest.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(7);
  });

  it('reports from add() once the interval has passed, so that a loop blocking the timer still shows progress', () => {
    const lines: string[] = [];
    const p = progress('importing', { total: 3, everyMs: 5000, write: (l) => lines.push(l) });
    // Date.now() moves on, the timer does not run (as during execFileSync).
    jest.setSystemTime(Date.now() + 6000);
    p.add();
    expect(lines).toEqual(['importing: 0/3 ...', 'importing: 1/3 (6 s)']);
    p.add();
    expect(lines).toHaveLength(2);
    p.done();
  });

  it('ends a step that fails with a line saying so, and stops its timer', async () => {
    const lines: string[] = [];
    await expect(step('sweeping', () => Promise.reject(new Error('boom')), { write: (l) => lines.push(l) })).rejects.toThrow('boom');
    expect(lines).toEqual(['sweeping ...', 'sweeping: failed in 0 s']);
    jest.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
  });
});

describe('bench arguments', () => {
  it('reads --quick and numbers, and refuses what a benchmark does not know in one line', () => {
    expect(benchArgs(['n'], ['--quick', '--n=500'])).toMatchObject({ quick: true });
    expect(benchArgs(['n'], ['--n=500']).number('n', 200)).toBe(500);
    expect(benchArgs(['n'], []).number('n', 200)).toBe(200);
    expect(() => benchArgs(['n'], ['--items=5'])).toThrow('unknown argument --items=5: expected --quick or --n=...');
    expect(() => benchArgs([], ['quick'])).toThrow('unknown argument quick');
    expect(() => benchArgs(['n'], ['--n'])).toThrow('unknown argument --n');
    expect(() => benchArgs(['n'], ['--n=abc']).number('n', 200)).toThrow('--n must be a positive whole number, not abc');
  });
});
