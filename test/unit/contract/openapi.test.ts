/** The OpenAPI document against the code: same routes, freshly generated, examples valid, every error code listed. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { ROUTES } from '../../../functions/routes';
import { PROBLEM_CODES } from '../../../functions/contract/codes';
import { OPENAPI_FILE, renderOpenApi } from '../../../functions/contract/document';
import { OPERATIONS } from '../../../functions/contract/operations';
import { assertDocumented } from '../../integration/contract';

const root = path.join(__dirname, '..', '..', '..');
const onDisk = readFileSync(path.join(root, OPENAPI_FILE), 'utf8');
const doc = JSON.parse(onDisk);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('openapi.json', () => {
  it('is what `npm run openapi` generates now (re-run it after changing a schema)', () => {
    expect(onDisk).toBe(renderOpenApi());
  });

  it('documents exactly the routes of ROUTES, which the API stack and the local router serve', () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    expect(Object.keys(OPERATIONS).sort()).toEqual(ROUTES.map((r) => r.handler).sort());
  });

  it('names the roles, the bearer requirement and the error answers of every operation', () => {
    for (const route of ROUTES) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect(op['x-roles']).toEqual([...(OPERATIONS[route.handler]?.spec.roles ?? [])]);
      expect(op.security).toEqual([{ bearerAuth: [] }]);
      for (const status of ['401', '403', '500']) {
        expect(op.responses[status].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
      }
      const params = (route.path.match(/\{([^}]+)\}/g) ?? []).map((p) => p.slice(1, -1));
      expect(((op.parameters ?? []) as { in: string; name: string }[]).filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual(params.sort());
    }
  });

  it('has examples that validate against their own schemas', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const problem = doc.components.schemas.Problem;
    let checked = 0;
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [m, op] of Object.entries(ops)) {
        const media = [
          ...(op.requestBody ? [['request', op.requestBody.content['application/json']]] : []),
          ...Object.entries(op.responses).flatMap(([s, r]: [string, any]) => Object.values(r.content ?? {}).map((c) => [s, c])),
        ] as [string, any][];
        for (const [where, content] of media) {
          if (content.example === undefined) continue;
          const schema = content.schema.$ref ? problem : content.schema;
          const validate = ajv.compile(schema);
          if (!validate(content.example)) throw new Error(`${m} ${p} ${where}: ${ajv.errorsText(validate.errors)}`);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('problem codes', () => {
  const listed = new Set(PROBLEM_CODES.map((c) => c.code));

  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
    });
  }

  it('lists every code the code base can answer', () => {
    const found = new Set<string>();
    const patterns = [/(?:Forbidden|NotFound|Conflict|Unauthorized|ServiceUnavailable)Error\(\s*'([a-z0-9_]+)'/g, /refuse\(\{ code: '([a-z0-9_]+)'/g, /problem\(\d{3}, '([a-z0-9_]+)'/g, /code: '([a-z0-9_]+)'/g];
    for (const file of [...sources(path.join(root, 'functions')), path.join(root, 'local', 'server.ts')]) {
      if (file.includes(`${path.sep}contract${path.sep}`)) continue;
      const text = readFileSync(file, 'utf8');
      for (const re of patterns) for (const m of text.matchAll(re)) if (m[1] !== 'custom') found.add(m[1] as string);
    }
    for (const fixed of ['invalid_request', 'unauthorized', 'forbidden', 'internal_error']) found.add(fixed);
    expect([...found].filter((c) => !listed.has(c))).toEqual([]);
    expect(found.size).toBeGreaterThan(25);
  });

  it('documents per operation only listed codes', () => {
    for (const op of Object.values(OPERATIONS)) {
      for (const [status, codes] of Object.entries(op.errors)) {
        for (const code of codes ?? []) expect(PROBLEM_CODES.some((c) => c.code === code && String(c.status) === status)).toBe(true);
      }
    }
  });
});

describe('the contract check of the integration tests', () => {
  const ok = { groups: [{ groupId: 'g', name: 'G', createdAt: '2026-09-01T07:00:00.000Z' }] };
  const problem = { type: 'https://beeldtoestemming.nl/problems/forbidden', title: 'x', status: 403, code: 'forbidden', requestId: 'r' };

  it('accepts a documented answer', () => {
    expect(() => assertDocumented('GET', '/groups', 200, 'application/json', ok)).not.toThrow();
    expect(() => assertDocumented('GET', '/groups', 403, 'application/problem+json', problem)).not.toThrow();
    expect(() => assertDocumented('DELETE', '/media/abc', 204, null, undefined)).not.toThrow();
  });

  it('refuses an undocumented status, a wrong body, a wrong content type, an unknown route', () => {
    expect(() => assertDocumented('GET', '/groups', 409, 'application/problem+json', { ...problem, status: 409 })).toThrow(/not documented/);
    expect(() => assertDocumented('GET', '/groups', 200, 'application/json', { groups: [{ groupId: 1 }] })).toThrow(/does not match/);
    expect(() => assertDocumented('GET', '/groups', 403, 'application/json', problem)).toThrow(/documented as/);
    expect(() => assertDocumented('GET', '/nowhere', 200, 'application/json', {})).toThrow(/no documented operation/);
  });
});
