/**
 * The HTTP API's Lambda authorizer (REQUEST, payload 2.0, simple responses), in front of every
 * route. It runs the same check as the handlers (functions/shared/auth.ts), which verify every
 * request again and check the caller's relationship to the data; this only keeps requests without
 * a valid access token away from the functions.
 *
 * What API Gateway answers:
 * - a valid access token of a trusted pool and app client, with exactly one role of its pool:
 *   `isAuthorized: true`, the request goes on (cached for the token, see the API stack);
 * - a valid token without exactly one role of its pool: `isAuthorized: false`, 403 Forbidden;
 * - anything else (malformed, expired, forged, id token, another issuer or client): the error
 *   `Unauthorized`, which API Gateway answers with 401 Unauthorized;
 * - verification failed (keys unreachable): any other error, which API Gateway answers with 500,
 *   counted as `verification_failures` for the alarm.
 * Without an Authorization header API Gateway answers 401 without invoking this function.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { TokenRejected, createAccessTokenCheck, type Role } from '../shared/auth';
import { readIssuers } from '../shared/config';
import { loggableError, logger } from '../shared/logger';
import { AUTHORIZER_FAILURES_METRIC, METRICS_NAMESPACE, METRIC_SERVICES } from '../shared/metrics';

/** The one error message API Gateway turns into 401 instead of 500. */
export const UNAUTHORIZED = 'Unauthorized';

/** Passed on to the access log (`$context.authorizer.userId`, `.role`); the handlers do not trust it. */
export interface AuthorizerContext {
  userId: string;
  role: Role;
}

const check = createAccessTokenCheck(readIssuers());
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.authorizer });

export async function lambdaHandler(
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>> {
  // Payload 2.0 lower-cases header names.
  const authorization = event.headers?.authorization;
  try {
    const principal = await check(authorization);
    metrics.addMetric('tokens_accepted', MetricUnit.Count, 1);
    return { isAuthorized: true, context: { userId: principal.userId, role: principal.role } };
  } catch (err) {
    if (err instanceof TokenRejected) {
      logger.info('token refused', { kind: err.kind, reason: err.reason });
      metrics.addMetric(err.kind === 'role' ? 'tokens_without_role' : 'tokens_refused', MetricUnit.Count, 1);
      if (err.kind === 'role') return { isAuthorized: false, context: {} };
      throw new Error(UNAUTHORIZED);
    }
    logger.error('token verification failed', { error: loggableError(err) });
    metrics.addMetric(AUTHORIZER_FAILURES_METRIC, MetricUnit.Count, 1);
    throw new Error('token verification failed');
  }
}

export const handler = middy(lambdaHandler)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
