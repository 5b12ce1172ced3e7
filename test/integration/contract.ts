/**
 * The contract check every integration test makes through `call()`: each answer's status must be
 * documented for its route in the committed openapi.json, and its body must validate against the
 * documented schema (JSON Schema 2020-12, with ajv).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import document from '../../openapi.json';

type Json = Record<string, any>;
const doc = document as Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);

const templates = Object.keys(doc.paths as Json).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

const compiled = new Map<string, ValidateFunction>();
function validator(key: string, schema: Json): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    const resolved = schema.$ref === '#/components/schemas/Problem' ? (doc.components.schemas.Problem as Json) : schema;
    v = ajv.compile(resolved);
    compiled.set(key, v);
  }
  return v;
}

/** The documented operation for a request, or undefined when no route has this path. */
export function operationFor(method: string, pathAndQuery: string): { template: string; operation: Json | undefined } | undefined {
  const pathname = new URL(pathAndQuery, 'http://x').pathname;
  const match = templates.find((t) => t.pattern.test(pathname));
  if (!match) return undefined;
  return { template: match.template, operation: (doc.paths[match.template] as Json)[method.toLowerCase()] as Json | undefined };
}

/** Throws, naming the route and status, when an answer does not match the document. */
export function assertDocumented(method: string, pathAndQuery: string, status: number, contentType: string | null, body: unknown): void {
  const found = operationFor(method, pathAndQuery);
  const what = `${method} ${pathAndQuery} answered ${status}`;
  if (!found || !found.operation) {
    // No such route (404) or method (405): the adapter's own problem answer.
    if (status !== (found ? 405 : 404)) throw new Error(`contract: ${what}, but no documented operation has this path and method`);
    return check(`problem-${status}`, { $ref: '#/components/schemas/Problem' }, what, contentType, 'application/problem+json', body);
  }
  const response = (found.operation.responses as Json)[String(status)] as Json | undefined;
  if (!response) throw new Error(`contract: ${what}, a status not documented for ${method} ${found.template}`);
  const content = response.content as Json | undefined;
  if (!content) {
    if (body !== undefined) throw new Error(`contract: ${what} with a body, documented without one`);
    return;
  }
  const [mediaType, media] = Object.entries(content)[0] as [string, Json];
  check(`${method} ${found.template} ${status}`, media.schema as Json, what, contentType, mediaType, body);
}

function check(key: string, schema: Json, what: string, contentType: string | null, expectedType: string, body: unknown): void {
  if (!(contentType ?? '').startsWith(expectedType)) throw new Error(`contract: ${what} as ${contentType}, documented as ${expectedType}`);
  const validate = validator(key, schema);
  if (!validate(body)) {
    throw new Error(`contract: ${what}, body does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
  }
}

/** Validates a value against a schema of the document's components (e.g. the export format); throws with ajv's errors. */
export function assertMatchesComponent(name: string, value: unknown): void {
  const schema = (doc.components.schemas as Json)[name] as Json | undefined;
  if (!schema) throw new Error(`contract: no component ${name}`);
  const validate = validator(`component ${name}`, schema);
  if (!validate(value)) throw new Error(`contract: not a valid ${name}: ${ajv.errorsText(validate.errors)}`);
}
