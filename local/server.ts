/**
 * The local HTTP adapter: turns each request into the API Gateway HTTP API (v2) event that the
 * deployed functions receive, and calls the very same `handler` exports, middy stack included.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ROUTES, handlerId, type RouteDefinition } from '../functions/routes';
import { loggableError, logger } from '../functions/shared/logger';
import { prepareInvocations, runInvocation } from './invocation';
import { listenOnLoopback } from './issuer';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute extends RouteDefinition {
  pattern: RegExp;
  params: string[];
  invoke: Handler;
}

/** The documented limit of a request body (`body_too_large`). */
export const MAX_BODY = 1024 * 1024;

/** The committed OpenAPI document (`npm run openapi`) and its reference page, rendered by swagger-ui-dist from node_modules. */
const OPENAPI_PATH = path.join(__dirname, '..', 'openapi.json');
const DOC_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Beeldtoestemming API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });</script>
</body>
</html>
`;

export interface DocsSettings {
  /** The API's own base URL, named as the document's server. */
  apiUrl: string;
  /** The token issuer's base URL, for the Authorize dialog's hint. */
  issuerBase?: string;
}

/**
 * The committed document as served: its server is the URL in use (the committed one names the
 * default port), and the security scheme says how to get a local token.
 */
export function servedOpenApi(settings: DocsSettings): Record<string, unknown> {
  const doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as {
    servers?: unknown;
    components?: { securitySchemes?: Record<string, { description?: string }> };
  };
  doc.servers = [{ url: settings.apiUrl, description: 'this local backend (npm start)' }];
  const issuer = settings.issuerBase ?? 'http://127.0.0.1:3001';
  const hint =
    `Locally: curl -s ${issuer}/token/guardian-anna prints {"access_token": ...}; paste the access_token here. ` +
    `Any demo user works (${issuer}/token/staff-femke, ...); POST ${issuer}/token with {"username","role"} mints any other.`;
  for (const scheme of Object.values(doc.components?.securitySchemes ?? {})) {
    scheme.description = scheme.description ? `${hint}\n\n${scheme.description}` : hint;
  }
  return doc;
}

/** GET /, /openapi.json, /docs and its assets; false for anything else. */
function serveDocs(method: string, pathname: string, res: ServerResponse, settings: DocsSettings): boolean {
  if (method !== 'GET') return false;
  const send = (contentType: string, body: string | Buffer) => {
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (pathname === '/') {
    res.writeHead(302, { location: '/docs', 'cache-control': 'no-store' });
    res.end();
    return true;
  }
  if (pathname === '/openapi.json') {
    send('application/json', JSON.stringify(servedOpenApi(settings), null, 2));
    return true;
  }
  if (pathname === '/docs' || pathname === '/docs/') {
    send('text/html; charset=utf-8', DOCS_PAGE);
    return true;
  }
  const asset = pathname.startsWith('/docs/assets/') ? pathname.slice('/docs/assets/'.length) : undefined;
  const type = asset !== undefined && Object.hasOwn(DOC_ASSETS, asset) ? DOC_ASSETS[asset] : undefined;
  if (asset === undefined || type === undefined) return false;
  const dir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  send(type, readFileSync(path.join(dir, asset)));
  return true;
}

function compile(route: RouteDefinition): CompiledRoute {
  const params: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  // Handlers read their configuration when first loaded: after the environment is set.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, after the environment is set
  const mod = require(path.join(__dirname, '..', 'functions', `${route.handler}.handler`)) as { handler: Handler };
  return { ...route, pattern: new RegExp(`^${source}$`), params, invoke: mod.handler };
}

class AdapterRefusal extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    title: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(title);
  }
}

/**
 * The whole body, or a 413 refusal once it passes 1 MiB. The rest of an oversized body is read and
 * dropped before the answer is sent: answering while the client is still sending makes the
 * connection close under it, and the client sees a reset instead of the 413.
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) reject(new AdapterRefusal(413, 'body_too_large', 'The request body is larger than 1 MiB'));
      else resolve(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined);
    });
    req.on('error', reject);
  });
}

/** A path parameter as the function receives it; a malformed percent-encoding is the caller's error. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AdapterRefusal(400, 'invalid_request', 'The path has a malformed percent-encoding', { field: 'path', reason: 'has a malformed percent-encoding' });
  }
}

function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The function name of a route's handler, as its log lines carry it. */
export const localFunctionName = (route: RouteDefinition): string => `local-${handlerId(route.handler)}`;

/** What the adapter itself answers (no function involved) is logged under this name, with the answer's request id. */
export const ADAPTER_FUNCTION_NAME = 'local-http-adapter';

export interface LocalApi {
  url: string;
  server: Server;
  stop: () => Promise<void>;
}

/** Called after each handled request: lets the backend play the parts AWS plays (streams). */
export type ResultListener = (route: RouteDefinition, result: APIGatewayProxyStructuredResultV2) => void;

export interface LocalApiOptions {
  onResult?: ResultListener;
  /** The token issuer's base URL: the served document's Authorize dialog says how to get a token from it. */
  issuerBase?: string;
}

/**
 * Serves every route of `functions/routes.ts` on loopback. Set the functions' environment first.
 * Each request is its own invocation: its log lines carry its function, user and request id, also
 * while other requests run.
 */
export async function startLocalApi(port: number, listenerOrOptions?: ResultListener | LocalApiOptions): Promise<LocalApi> {
  const options: LocalApiOptions = typeof listenerOrOptions === 'function' ? { onResult: listenerOrOptions } : (listenerOrOptions ?? {});
  prepareInvocations();
  const routes = ROUTES.map(compile);
  let docs: DocsSettings = { apiUrl: `http://127.0.0.1:${port}`, ...(options.issuerBase ? { issuerBase: options.issuerBase } : {}) };

  const server = createServer(async (req, res) => {
    const requestId = randomUUID();
    // Every answer names its request id, as API Gateway's does (`apigw-requestid`): the id the logs carry.
    const reply = (r: APIGatewayProxyStructuredResultV2) => {
      const body = r.body ?? '';
      res.writeHead(r.statusCode ?? 200, { ...(r.headers as Record<string, string>), 'content-length': String(Buffer.byteLength(body)), 'apigw-requestid': requestId });
      res.end(body);
    };
    // An answer of the adapter's own: logged under its request id, as the functions log theirs.
    const refuse = (err: AdapterRefusal) =>
      runInvocation(requestId, async () => {
        logger.addContext(lambdaContext(ADAPTER_FUNCTION_NAME, requestId));
        logger.info('request refused', { statusCode: err.statusCode, code: err.code });
        reply({
          statusCode: err.statusCode,
          headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
          body: JSON.stringify({
            type: `https://beeldtoestemming.nl/problems/${err.code}`,
            title: err.message,
            status: err.statusCode,
            code: err.code,
            ...err.extra,
            requestId,
          }),
        });
      });
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      if (serveDocs(method, url.pathname, res, docs)) return;
      const candidates = routes.filter((r) => r.pattern.test(url.pathname));
      const route = candidates.find((r) => r.method === method);
      if (!route) {
        throw candidates.length > 0
          ? new AdapterRefusal(405, 'method_not_allowed', `${method} is not allowed on this path`)
          : new AdapterRefusal(404, 'route_not_found', 'No such route');
      }
      const match = route.pattern.exec(url.pathname) ?? [];
      const pathParameters: Record<string, string> = {};
      route.params.forEach((name, i) => (pathParameters[name] = decodeParam(match[i + 1] ?? '')));
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = query[k] === undefined ? v : `${query[k]},${v}`));
      const now = new Date();
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: `${route.method} ${route.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.replace(/^\?/, ''),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(route.params.length ? { pathParameters } : {}),
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          domainName: headers.host ?? '127.0.0.1',
          domainPrefix: 'local',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: req.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId,
          routeKey: `${route.method} ${route.path}`,
          stage: '$default',
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
        },
        ...(body !== undefined ? { body } : {}),
        isBase64Encoded: false,
      };
      const result = await runInvocation(requestId, () => route.invoke(event, lambdaContext(localFunctionName(route), requestId)));
      reply(result);
      options.onResult?.(route, result);
    } catch (err) {
      if (err instanceof AdapterRefusal) return refuse(err);
      await runInvocation(requestId, async () => {
        logger.addContext(lambdaContext(ADAPTER_FUNCTION_NAME, requestId));
        logger.error('local adapter failure', { error: loggableError(err) });
      });
      if (res.headersSent) return void res.end();
      reply({
        statusCode: 500,
        headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
        body: JSON.stringify({
          type: 'https://beeldtoestemming.nl/problems/internal_error',
          title: 'Something went wrong on our side',
          status: 500,
          code: 'internal_error',
          requestId,
        }),
      });
    }
  });
  await listenOnLoopback(server, port, 'API');
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  docs = { ...docs, apiUrl: `http://127.0.0.1:${actualPort}` };
  return {
    url: docs.apiUrl,
    server,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
