/**
 * Scheduled daily. Reports counts per reason as metrics; fails the invocation when any item could
 * not be handled, so the schedule's retry and the alarm see it (the rest was done and stays done).
 * A run with nothing left to retry counts `sweep_completed`: the alarm "the sweep has not run"
 * fires when none was counted for 26 hours.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger } from '../shared/logger';
import { METRICS_NAMESPACE, METRIC_SERVICES, SWEEP_COMPLETED_METRIC } from '../shared/metrics';
import { getRuntime } from '../shared/runtime';
import { runSweep } from './sweep';

const rt = getRuntime();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.sweep });

export async function lambdaHandler(_event: unknown, context: Pick<Context, 'awsRequestId'>): Promise<{ today: string; examined: number; failures: number }> {
  const report = await runSweep(rt, { requestId: context.awsRequestId });
  for (const [reason, count] of Object.entries(report.deleted)) metrics.addMetric(`deleted_${reason}`, MetricUnit.Count, count);
  metrics.addMetric('purposes_dropped', MetricUnit.Count, report.purposesDropped);
  metrics.addMetric('erasures_completed', MetricUnit.Count, report.erasuresCompleted.length);
  metrics.addMetric('audit_entries_linked', MetricUnit.Count, report.auditLinked);
  metrics.addMetric('failures', MetricUnit.Count, report.failures.length);
  if (report.failures.length > 0) {
    throw new Error(`sweep left ${report.failures.length} item(s) for the next attempt`);
  }
  metrics.addMetric(SWEEP_COMPLETED_METRIC, MetricUnit.Count, 1);
  return { today: report.today, examined: report.examined, failures: 0 };
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
