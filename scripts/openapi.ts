/** `npm run openapi`: writes the OpenAPI document generated from the zod schemas to openapi.json. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_FILE, renderOpenApi } from '../functions/contract/document';

writeFileSync(path.join(__dirname, '..', OPENAPI_FILE), renderOpenApi());
console.log(`wrote ${OPENAPI_FILE}`);
