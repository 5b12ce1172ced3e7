/**
 * The sweep's scheduled handler and the metric the "sweep has not run" alarm counts: emitted for a
 * run with nothing left to retry, never for a run that failed.
 */
import type { Context } from 'aws-lambda';

const runSweep = jest.fn();
let handler: (event: unknown, context: Context) => Promise<unknown>;

const context = { awsRequestId: 'req-1', functionName: 'sweep', functionVersion: '1', invokedFunctionArn: 'arn', memoryLimitInMB: '1024' } as Context;
const report = (failures: unknown[]) => ({ today: '2029-02-10', examined: 3, deleted: { retention: 2 }, purposesDropped: 1, erasuresCompleted: ['c1'], auditLinked: 7, failures });

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  jest.doMock('../../../functions/shared/runtime', () => ({ getRuntime: () => ({}) }));
  jest.doMock('../../../functions/retention/sweep', () => ({ runSweep }));
  ({ handler } = await import('../../../functions/retention/sweep.handler'));
});

/** `namespace/name{dimensions}=value` of every metric written to stdout while `fn` runs. */
async function metricsOf(fn: () => Promise<unknown>): Promise<{ metrics: string[]; result: unknown }> {
  const lines: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  let result: unknown;
  try {
    result = await fn();
  } catch (err) {
    result = err;
  } finally {
    out.mockRestore();
  }
  const metrics = lines
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .flatMap((l) => {
      const emf = JSON.parse(l) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
      return emf._aws.CloudWatchMetrics.flatMap((d) =>
        d.Metrics.map((m) => `${d.Namespace}/${m.Name}{${d.Dimensions.flat().map((k) => `${k}=${String(emf[k])}`).join(',')}}=${String(emf[m.Name])}`),
      );
    });
  return { metrics, result };
}

test('a run with nothing left to retry counts sweep_completed, with the namespace and dimension the alarm watches', async () => {
  runSweep.mockResolvedValueOnce(report([]));

  const { metrics, result } = await metricsOf(() => handler({}, context));

  expect(result).toEqual({ today: '2029-02-10', examined: 3, failures: 0 });
  expect(metrics).toContain('Beeldtoestemming/sweep_completed{service=sweep}=1');
  expect(metrics).toContain('Beeldtoestemming/deleted_retention{service=sweep}=2');
  // What the sweep finished for others: erasures that had stopped, audit entries the chainer had not linked.
  expect(metrics).toContain('Beeldtoestemming/erasures_completed{service=sweep}=1');
  expect(metrics).toContain('Beeldtoestemming/audit_entries_linked{service=sweep}=7');
});

test('a run that leaves failures fails the invocation and does not count as completed', async () => {
  runSweep.mockResolvedValueOnce(report([{ mediaId: 'm1' }]));

  const { metrics, result } = await metricsOf(() => handler({}, context));

  expect(result).toEqual(new Error('sweep left 1 item(s) for the next attempt'));
  expect(metrics).toContain('Beeldtoestemming/failures{service=sweep}=1');
  expect(metrics.filter((m) => m.includes('sweep_completed'))).toEqual([]);
});

test('a run that crashes does not count as completed', async () => {
  runSweep.mockRejectedValueOnce(new Error('DynamoDB unreachable'));

  const { metrics, result } = await metricsOf(() => handler({}, context));

  expect(result).toEqual(new Error('DynamoDB unreachable'));
  expect(metrics.filter((m) => m.includes('sweep_completed'))).toEqual([]);
});
