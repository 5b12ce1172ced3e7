/**
 * Names of the custom CloudWatch metrics the functions emit (Powertools Metrics, embedded metric
 * format) and the alarms in the API stack watch: one place, so that the two cannot drift apart.
 * Powertools adds the dimension `service` with the service name to every metric.
 */
export const METRICS_NAMESPACE = 'Beeldtoestemming';

/** The `service` dimension of each emitter. */
export const METRIC_SERVICES = {
  /** Every HTTP handler (functions/shared/http.ts). */
  api: 'api',
  authorizer: 'authorizer',
  sweep: 'sweep',
} as const;

/** The authorizer could not verify at all (keys unreachable or unusable): its callers got a 500. */
export const AUTHORIZER_FAILURES_METRIC = 'verification_failures';

/** A sweep run finished with nothing left to retry: the "sweep has not run" alarm counts these. */
export const SWEEP_COMPLETED_METRIC = 'sweep_completed';
