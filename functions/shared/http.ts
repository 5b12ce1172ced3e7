/**
 * The one HTTP stack every API handler uses: authenticate, authorise the role, validate the
 * request with zod, run the service, answer JSON; errors become application/problem+json.
 * Metrics (Powertools, embedded metric format): cold starts, answers by status class, and
 * problems by code.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { Principal, TokenVerifier } from './auth';
import { ForbiddenError, HttpError, ValidationError } from './errors';
import { DuplicateRequest, IDEMPOTENCY_HEADER, claimOf, type IdempotencyClaim, type IdempotencyRepository } from './idempotency';
import { loggableError, logger } from './logger';

export { loggableError };
import { METRICS_NAMESPACE, METRIC_SERVICES } from './metrics';
import type { EndpointSpec } from './spec';

export type { EndpointSpec } from './spec';

export type HttpResult = APIGatewayProxyStructuredResultV2;
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export interface ApiRequest<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  requestId: string;
  /** Present when the request carries an `Idempotency-Key`: the service stores its answer with its effect. */
  idempotency?: IdempotencyClaim;
}

export interface EndpointOptions {
  /** Where answers to retried requests are read; required for a spec that is `idempotent`. */
  idempotency?: Pick<IdempotencyRepository, 'replay'>;
}

export interface ServiceResult {
  status?: number;
  body: unknown;
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, part: string): T {
  if (!schema) return undefined as T;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  // An unexpected field is named itself, so the app can point at it.
  const path = issue?.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : (issue?.path ?? []);
  const field = path.length > 0 ? path.join('.') : part;
  const reason = issue?.code === 'unrecognized_keys' ? 'is not an accepted field' : (issue?.message ?? 'is invalid');
  logger.info('request rejected by validation', { part, field, code: issue?.code });
  throw new ValidationError(field, reason);
}

function parseBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return {};
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === wanted);
  return entry?.[1];
}

export function json(statusCode: number, body: unknown, contentType = 'application/json'): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/**
 * The plain handler of one operation (exported as `lambdaHandler`): authentication and role first,
 * so that an unauthenticated caller learns nothing from validation messages.
 */
export function endpoint<P = undefined, Q = undefined, B = undefined>(
  verify: TokenVerifier,
  spec: EndpointSpec<P, Q, B>,
  run: (request: ApiRequest<P, Q, B>) => Promise<ServiceResult | unknown>,
  options: EndpointOptions = {},
): LambdaHandler {
  const store = options.idempotency;
  if (spec.idempotent && !store) throw new Error(`${spec.idempotent} takes an Idempotency-Key but has no store for answers`);
  return async (event, context) => {
    const principal = await verify(header(event, 'authorization'));
    logger.appendKeys({ userId: principal.userId, role: principal.role });
    if (!spec.roles.includes(principal.role)) throw new ForbiddenError();
    const params = validate(spec.params, event.pathParameters ?? {}, 'path');
    const query = validate(spec.query, event.queryStringParameters ?? {}, 'query');
    const body = validate(spec.body, spec.body ? parseBody(event) : undefined, 'body');
    const claim = spec.idempotent ? claimOf(header(event, IDEMPOTENCY_HEADER), principal, spec.idempotent, { params, body }) : undefined;
    // A key seen before: the first answer again (or 409 for another request), and nothing is done.
    const replay = async (): Promise<HttpResult | undefined> => {
      const stored = claim && store ? await store.replay(claim) : undefined;
      if (!stored) return undefined;
      logger.info('request replayed', { operation: spec.idempotent });
      const answer = json(stored.status, stored.body);
      return { ...answer, headers: { ...answer.headers, 'idempotent-replayed': 'true' } };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    let result: ServiceResult | unknown;
    try {
      result = await run({ principal, params, query, body, requestId: context.awsRequestId, ...(claim ? { idempotency: claim } : {}) });
    } catch (err) {
      // A concurrent request with the same key committed first: its answer is this one's.
      if (err instanceof DuplicateRequest) {
        const answered = await replay();
        if (answered) return answered;
      }
      throw err;
    }
    const shaped = (result ?? {}) as Partial<ServiceResult>;
    if (typeof shaped === 'object' && 'body' in shaped && Object.keys(shaped).every((k) => k === 'body' || k === 'status')) {
      return json(shaped.status ?? spec.status ?? 200, shaped.body);
    }
    return json(spec.status ?? 200, result);
  };
}

/** RFC 9457 problem details with a stable `code`; unknown errors become a bare 500 with the request id. */
export function problem(err: unknown, requestId: string): HttpResult {
  if (err instanceof HttpError) {
    return json(
      err.statusCode,
      {
        type: `https://beeldtoestemming.nl/problems/${err.code}`,
        title: err.message,
        status: err.statusCode,
        code: err.code,
        ...(err.details ?? {}),
        requestId,
      },
      'application/problem+json',
    );
  }
  return json(
    500,
    {
      type: 'https://beeldtoestemming.nl/problems/internal_error',
      title: 'Something went wrong on our side',
      status: 500,
      code: 'internal_error',
      requestId,
    },
    'application/problem+json',
  );
}

const problemResponder = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> => ({
  onError: async (request) => {
    const err = request.error;
    if (err instanceof HttpError) {
      logger.info('request refused', { statusCode: err.statusCode, code: err.code });
    } else {
      logger.error('request failed', { error: loggableError(err) });
    }
    request.response = problem(err, request.context.awsRequestId);
  },
});

/** One instance for every HTTP handler: the `service` dimension is `api`, cold starts carry the function name. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRIC_SERVICES.api });

/**
 * Counts every answer by status class (`responses_2xx`, `_4xx`, `_5xx`) and every problem by its
 * code (`problems` with the dimension `code`), after the problem responder has answered. Never the
 * caller or the route's parameters.
 */
const answerMetrics = (): middy.MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context> => {
  const count = (request: middy.Request<APIGatewayProxyEventV2, HttpResult, Error, Context>) => {
    const status = request.response?.statusCode ?? 500;
    metrics.addMetric(`responses_${Math.floor(status / 100)}xx`, MetricUnit.Count, 1);
    if (request.error) {
      const problemMetric = metrics.singleMetric();
      problemMetric.addDimension('code', request.error instanceof HttpError ? request.error.code : 'internal_error');
      problemMetric.addMetric('problems', MetricUnit.Count, 1);
    }
  };
  return { after: count, onError: count };
};

/**
 * The Lambda entry point (exported as `handler`): one middleware order for every HTTP handler.
 * After and on error middy runs them in reverse: the problem responder answers, the answer is
 * counted, the metrics are flushed, the log context is reset.
 */
export function wrap(lambdaHandler: LambdaHandler) {
  return middy(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(answerMetrics())
    .use(problemResponder());
}
