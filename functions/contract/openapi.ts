/**
 * Builds the OpenAPI 3.1 document from ROUTES and the contract: the request schemas are the zod
 * schemas the handlers validate with (zod's JSON Schema output), the answers those of
 * `responses.ts`. `npm run openapi` writes it to `openapi.json`.
 */
import * as z from 'zod';
import { ROUTES, handlerId } from '../routes';
import { PROBLEM_CODES } from './codes';
import { OPERATIONS, type Operation } from './operations';
import { problem } from './responses';
import { childExportV1 } from '../rights/export-format';
import { IDEMPOTENCY_HEADER } from '../shared/idempotency';

type Json = Record<string, unknown>;

export const PROBLEM_REF = '#/components/schemas/Problem';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

function parameters(op: Operation): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', op.spec.params], ['query', op.spec.query]] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: where,
        required: where === 'path' || (js.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  if (op.spec.idempotent) {
    out.push({
      name: IDEMPOTENCY_HEADER,
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the same key with the same body gives the first answer again (with the header `Idempotent-Replayed: true`) ' +
        'and nothing is done twice, also when both arrive at once; the same key with another body answers 409 `idempotency_key_reused`. ' +
        'Keys belong to the caller and are kept at least 24 hours. Without the header every request acts.',
      schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,100}$' },
    });
  }
  return out;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed input; nothing is changed',
  401: 'No or bad token',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  503: 'Temporarily unavailable; nothing was done, retry shortly',
  500: 'Unexpected error; details in the logs under the request id',
};

/** The error statuses of an operation with the codes each can carry. */
export function errorCodes(op: Operation): Map<number, string[]> {
  const codes = new Map<number, string[]>();
  const validates = Boolean(op.spec.params || op.spec.query || op.spec.body);
  if (validates || op.errors[400]) codes.set(400, op.errors[400] ?? ['invalid_request']);
  codes.set(401, ['unauthorized']);
  codes.set(403, ['forbidden', 'role_required', ...(op.errors[403] ?? [])]);
  if (op.errors[404]) codes.set(404, op.errors[404]);
  const conflicts = [...(op.errors[409] ?? []), ...(op.spec.idempotent ? ['idempotency_key_reused'] : [])];
  if (conflicts.length) codes.set(409, conflicts);
  if (op.spec.body) codes.set(413, ['body_too_large']);
  codes.set(500, ['internal_error']);
  if (op.errors[503]) codes.set(503, op.errors[503]);
  return codes;
}

function problemResponse(status: number, codes: string[]): Json {
  const code = codes[0] ?? 'internal_error';
  const known = PROBLEM_CODES.find((c) => c.code === code && c.status === status);
  return {
    description: `${ERROR_TEXT[status] ?? 'Error'}. Codes: ${codes.map((c) => `\`${c}\``).join(', ')}`,
    content: {
      'application/problem+json': {
        schema: { $ref: PROBLEM_REF },
        example: {
          type: `https://beeldtoestemming.nl/problems/${code}`,
          title: known?.when ?? 'Error',
          status,
          code,
          ...(code === 'invalid_request' ? { field: 'purpose', reason: 'must be one of parent_information, coaching_video, publication' } : {}),
          requestId: '2f6d3c4e-8a1b-4c7d-9e0f-123456789abc',
        },
      },
    },
  };
}

function operation(handler: string, op: Operation): Json {
  const responses: Json = {};
  for (const success of op.success) {
    responses[String(success.status)] = {
      description: success.description,
      ...(success.schema
        ? {
            content: {
              'application/json': {
                schema: jsonSchema(success.schema, 'output'),
                ...(success.example !== undefined ? { example: JSON.parse(JSON.stringify(success.example)) as unknown } : {}),
              },
            },
          }
        : {}),
    };
  }
  for (const [status, codes] of errorCodes(op)) responses[String(status)] = problemResponse(status, codes);
  const params = parameters(op);
  return {
    operationId: handlerId(handler),
    summary: op.summary,
    description: `${op.description ? `${op.description}\n\n` : ''}Roles: ${op.spec.roles.join(', ')}.`,
    tags: [handler.split('/')[0]],
    'x-roles': [...op.spec.roles],
    security: [{ bearerAuth: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(op.spec.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchema(op.spec.body, 'input'),
                ...(op.requestExample !== undefined ? { example: op.requestExample } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

const codeTable = PROBLEM_CODES.map((c) => `| \`${c.code}\` | ${c.status} | ${c.when} |`).join('\n');

export function buildOpenApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const op = OPERATIONS[route.handler];
    if (!op) throw new Error(`no contract for ${route.handler}`);
    paths[route.path] ??= {};
    (paths[route.path] as Json)[route.method.toLowerCase()] = operation(route.handler, op);
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Beeldtoestemming API',
      version,
      description: [
        'Photo and video consent per child and purpose. Every route needs `Authorization: Bearer <access token>`;',
        "the role is the token's `cognito:groups` (one of guardian, child, staff, admin) and each operation lists",
        'the roles it admits in `x-roles`. Relationship rules (my child, my group, my upload) come on top and',
        'answer 404 for what the caller may not know exists.',
        '',
        'Every 4xx and 5xx answer is `application/problem+json` (RFC 9457) with a stable `code`, a human `title`,',
        'the `status`, the `requestId`, and for validation errors the offending `field` and its `reason`.',
        '',
        '| code | status | when |',
        '|---|---|---|',
        codeTable,
      ].join('\n'),
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'local backend (npm start)' }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'consent', description: 'Consents, ledger and decisions' },
      { name: 'admin', description: 'Groups, guardians, staff and children' },
      { name: 'media', description: 'Roster, uploads and media items' },
      { name: 'usage', description: 'Feed, coaching library, downloads, publications and takedowns' },
      { name: 'rights', description: 'Access and erasure requests, the export, the erasure' },
      { name: 'audit', description: 'The audit trail and its verification' },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A Cognito access token: of the staff pool (staff-tablet client) for staff and admin, of the family pool ' +
            '(parents-app client) for guardians and children. In AWS, API Gateway answers a missing or invalid token ' +
            'itself with 401 `{"message":"Unauthorized"}`, and a valid token without exactly one role of its pool with ' +
            '403 `{"message":"Forbidden"}` (not problem+json); the local backend answers both as problems.',
        },
      },
      schemas: { Problem: jsonSchema(problem, 'output'), ChildExportV1: jsonSchema(childExportV1, 'output') },
    },
  };
}
