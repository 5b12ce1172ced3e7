/** Runtime configuration of a function, read from the environment once and validated at cold start. */
import * as z from 'zod';
import { AGE_POLICIES } from '../domain/purposes';

const csv = z
  .string()
  .min(1)
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  AGE_POLICY: z.enum(AGE_POLICIES).default('youth-care'),
  NOTICE_VERSION: z.string().min(1),
  JWT_ISSUER: z.string().url(),
  JWT_JWKS_URI: z.string().url(),
  JWT_CLIENT_IDS: csv,
  /** Only set locally: the DynamoDB Local endpoint. */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
});

export type RuntimeConfig = z.infer<typeof schema>;

let cached: RuntimeConfig | undefined;

export function runtimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  if (cached && env === process.env) return cached;
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new Error(`invalid function configuration: ${fields}`);
  }
  if (env === process.env) cached = parsed.data;
  return parsed.data;
}

/** For tests that change the environment between cases. */
export function resetRuntimeConfig(): void {
  cached = undefined;
}
