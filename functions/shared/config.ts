/** Runtime configuration of a function, read from the environment once and validated at cold start. */
import * as z from 'zod';
import { AGE_POLICIES, PURPOSES } from '../domain/purposes';
import { DEFAULT_RETENTION, MAX_RETENTION_YEARS } from '../domain/retention';
import { BUILT_IN_CHANNELS, CHANNEL_KINDS, channelId } from '../domain/channels';
import { ROLES, type IssuerSettings } from './auth';

const retentionSchema = z.partialRecord(z.enum(PURPOSES), z.number().int().min(1).max(MAX_RETENTION_YEARS));

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * The trusted token issuers, one per user pool: `[{issuer, jwksUri, clientIds, roles}]` as JSON.
 * A role may belong to one issuer only, so that no pool can grant a role of another.
 */
const issuersSchema = z
  .array(
    z.strictObject({
      issuer: z.url(),
      jwksUri: z.url(),
      clientIds: z.array(z.string().min(1)).min(1),
      roles: z.array(z.enum(ROLES)).min(1),
    }),
  )
  .min(1)
  .refine((list) => new Set(list.map((i) => i.issuer)).size === list.length, 'issuers must be unique')
  .refine((list) => {
    const roles = list.flatMap((i) => i.roles);
    return new Set(roles).size === roles.length;
  }, 'a role may belong to one issuer only');

const jwtIssuers = z.string().transform((raw, ctx): IssuerSettings[] => {
  const parsed = issuersSchema.safeParse(safeJson(raw));
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'is invalid' });
    return z.NEVER;
  }
  return parsed.data;
});

/** Reads only the token issuers: for the authorizer, which needs nothing else. */
export function readIssuers(env: NodeJS.ProcessEnv = process.env): IssuerSettings[] {
  const parsed = z.object({ JWT_ISSUERS: jwtIssuers }).safeParse(env);
  if (!parsed.success) throw new Error('invalid function configuration: JWT_ISSUERS');
  return parsed.data.JWT_ISSUERS;
}

const channelsSchema = z
  .array(z.strictObject({ id: channelId, label: z.string().min(1), kind: z.enum(CHANNEL_KINDS) }))
  .min(1)
  .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length);

const schema = z.object({
  TABLE_NAME: z.string().min(1),
  AGE_POLICY: z.enum(AGE_POLICIES).default('youth-care'),
  NOTICE_VERSION: z.string().min(1),
  JWT_ISSUERS: jwtIssuers,
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
  /** The organisation's publication channels, JSON `[{id, label, kind}]` (infra/function-environment.ts). */
  CHANNELS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return BUILT_IN_CHANNELS;
      const parsed = channelsSchema.safeParse(safeJson(raw));
      if (!parsed.success) {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: [{id, label, kind}] with unique ids' });
        return z.NEVER;
      }
      return parsed.data;
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
