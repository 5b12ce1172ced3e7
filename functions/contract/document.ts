/** The committed OpenAPI document: its file name and its exact text, as `npm run openapi` writes it. */
import { version } from '../../package.json';
import { buildOpenApiDocument } from './openapi';

export const OPENAPI_FILE = 'openapi.json';

export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApiDocument(version), null, 2)}\n`;
}
