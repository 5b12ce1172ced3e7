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

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface CompiledRoute extends RouteDefinition {
  pattern: RegExp;
  params: string[];
  invoke: Handler;
}

const MAX_BODY = 1024 * 1024;

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

/** GET /openapi.json, /docs and its assets; false for anything else. */
function serveDocs(method: string, pathname: string, res: ServerResponse): boolean {
  if (method !== 'GET') return false;
  const send = (contentType: string, body: string | Buffer) => {
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(body);
  };
  if (pathname === '/openapi.json') {
    send('application/json', readFileSync(OPENAPI_PATH));
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

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      if (size > MAX_BODY) return;
      size += c.length;
      if (size > MAX_BODY) {
        // Answered at once (413); the rest of the body is read and dropped, so the answer reaches the caller.
        reject(Object.assign(new Error('body too large'), { statusCode: 413 }));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined));
    req.on('error', reject);
  });
}

function lambdaContext(route: RouteDefinition, requestId: string): Context {
  const functionName = `local-${handlerId(route.handler)}`;
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

export interface LocalApi {
  url: string;
  server: Server;
  stop: () => Promise<void>;
}

/** Called after each handled request: lets the backend play the parts AWS plays (streams). */
export type ResultListener = (route: RouteDefinition, result: APIGatewayProxyStructuredResultV2) => void;

/** Serves every route of `functions/routes.ts` on loopback. Set the functions' environment first. */
export async function startLocalApi(port: number, onResult?: ResultListener): Promise<LocalApi> {
  const routes = ROUTES.map(compile);

  const server = createServer(async (req, res) => {
    const reply = (r: APIGatewayProxyStructuredResultV2) => {
      res.writeHead(r.statusCode ?? 200, r.headers as Record<string, string>);
      res.end(r.body ?? '');
    };
    const problem = (status: number, code: string, title: string) =>
      reply({
        statusCode: status,
        headers: { 'content-type': 'application/problem+json' },
        body: JSON.stringify({ type: `https://beeldtoestemming.nl/problems/${code}`, title, status, code, requestId: randomUUID() }),
      });
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = (req.method ?? 'GET').toUpperCase();
      if (serveDocs(method, url.pathname, res)) return;
      const candidates = routes.filter((r) => r.pattern.test(url.pathname));
      const route = candidates.find((r) => r.method === method);
      if (!route) {
        return candidates.length > 0
          ? problem(405, 'method_not_allowed', `${method} is not allowed on this path`)
          : problem(404, 'route_not_found', 'No such route');
      }
      const match = route.pattern.exec(url.pathname) ?? [];
      const pathParameters: Record<string, string> = {};
      route.params.forEach((name, i) => (pathParameters[name] = decodeURIComponent(match[i + 1] ?? '')));
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = query[k] === undefined ? v : `${query[k]},${v}`));
      const requestId = randomUUID();
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
      const result = await route.invoke(event, lambdaContext(route, requestId));
      reply(result);
      onResult?.(route, result);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 413) {
        res.setHeader('connection', 'close');
        return problem(413, 'body_too_large', 'The request body is too large');
      }
      console.error(JSON.stringify({ level: 'ERROR', message: 'local adapter failure', error: (err as Error).message }));
      problem(500, 'internal_error', 'Something went wrong on our side');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    server,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
