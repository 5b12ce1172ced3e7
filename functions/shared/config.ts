/** Runtime configuration of a function, read from the environment once and validated at cold start. */
import * as z from 'zod';
import { AGE_POLICIES, PURPOSES } from '../domain/purposes';
import { DEFAULT_RETENTION, MAX_RETENTION_YEARS } from '../domain/retention';

const retentionSchema = z.partialRecord(z.enum(PURPOSES), z.number().int().min(1).max(MAX_RETENTION_YEARS));

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

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
  /** The footage bucket; required by the functions that touch footage. */
  BUCKET_NAME: z.string().min(1).optional(),
  /** Only set locally: the S3-compatible server. */
  S3_ENDPOINT: z.string().url().optional(),
  /** Retention per purpose in years, JSON; every purpose defaults to (and is capped at) three. */
  RETENTION_YEARS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const parsed = retentionSchema.safeParse(raw === undefined ? {} : safeJson(raw));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'must be JSON with 1-3 years per purpose' });
        return z.NEVER;
      }
      return { ...DEFAULT_RETENTION, ...parsed.data };
    }),
  /** How long a pre-signed upload URL lives: minutes, not hours. */
  UPLOAD_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(900).default(300),
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
