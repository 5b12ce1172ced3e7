/**
 * Per-organisation deployment settings (SPEC §9: one deployment per organisation), validated
 * with zod before any construct is created, so that a wrong setting fails synth with a message
 * instead of deploying something that breaks a promise of the spec.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { AGE_POLICIES, PURPOSES, type Purpose } from '../functions/domain/purposes';
import { MAX_RETENTION_YEARS } from '../functions/domain/retention';
import { CHANNEL_KINDS } from '../functions/domain/channels';

/**
 * AWS regions inside the European Economic Area (SPEC §8: data stays in the EEA).
 *
 * Deliberately absent:
 * - eu-west-2 (London): the United Kingdom left the EU and is not in the EEA. An adequacy
 *   decision is not the same thing, and the spec promises the EEA.
 * - eu-central-2 (Zurich): Switzerland is not in the EEA (it is in EFTA, but not the EEA).
 * - The AWS European Sovereign Cloud (Brandenburg, Germany) is in the EEA but lives in its own
 *   partition (`aws-eusc`) with its own ARNs and service principals that this stack has not been
 *   tested against; add it deliberately, with tests, when an organisation needs it.
 */
export const EEA_REGIONS = [
  'eu-central-1', // Frankfurt, Germany
  'eu-west-1', // Ireland
  'eu-west-3', // Paris, France
  'eu-north-1', // Stockholm, Sweden
  'eu-south-1', // Milan, Italy
  'eu-south-2', // Aragón, Spain
] as const;
export type EeaRegion = (typeof EEA_REGIONS)[number];

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** SPEC §6: footage is deleted no later than three calendar years after recording; no setting may exceed it (the rules' own ceiling). */
export { MAX_RETENTION_YEARS };

/** The file used when neither `-c config=...` nor `BT_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = 'infra/organisations/demo.json';

const slug = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be a lower-case slug: letters, digits and single hyphens')
  .max(32);

const retentionYears = z.number().int().min(1).max(MAX_RETENTION_YEARS, {
  error: `cannot exceed ${MAX_RETENTION_YEARS} years (SPEC §6: three years after recording is the ceiling)`,
});

/**
 * A publication channel. `online` channels can be taken down when consent for `publication` is
 * withdrawn; `print` channels cannot, so nothing is asked for them (SPEC §10, example 12).
 */
const channel = z.strictObject({
  id: slug,
  label: z.string().min(1).max(80),
  kind: z.enum(CHANNEL_KINDS),
});

const schema = z.strictObject({
  organisationId: slug,
  region: z.enum(EEA_REGIONS, {
    error: (issue) =>
      `region ${JSON.stringify(issue.input)} is not an AWS region in the EEA; data must stay in the EEA (SPEC §8). ` +
      `Allowed: ${EEA_REGIONS.join(', ')}`,
  }),
  stage: z.enum(STAGES),
  agePolicy: z.enum(AGE_POLICIES).default('youth-care'),
  /** The version of the privacy notice that consent decisions refer to. */
  noticeVersion: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'must be a short version label like 2026-09'),
  /** Shorter retention per purpose; a purpose that is not named keeps the maximum. */
  retentionYears: z.partialRecord(z.enum(PURPOSES), retentionYears).default({}),
  channels: z
    .array(channel)
    .min(1)
    .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length, 'channel ids must be unique'),
  /**
   * Optional. Where the deployment's alarms are sent by email (a failed retention sweep, failures
   * waiting in a dead-letter queue). The address receives a confirmation mail from SNS first; when
   * absent, the alarms have no subscriber until someone subscribes to the alerts topic by hand.
   * An operations mailbox, not a person's: the messages name AWS resources, no personal data.
   */
  alertEmail: z.email({ error: 'must be an email address' }).max(254).optional(),
  /** The AWS account to deploy to; when absent the CLI's current credentials decide. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
});

export type OrganisationConfig = Omit<z.infer<typeof schema>, 'retentionYears'> & {
  /** Retention per purpose in years, every purpose present. */
  retentionYears: Record<Purpose, number>;
};

/**
 * Validates raw settings (parsed JSON). Throws one error that names every invalid field, and for
 * a region outside the EEA names the region and the allowed regions.
 */
export function loadOrganisationConfig(raw: unknown, source = 'organisation config'): OrganisationConfig {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid ${source}:\n${problems.join('\n')}`);
  }
  const retention = Object.fromEntries(
    PURPOSES.map((p) => [p, parsed.data.retentionYears[p] ?? MAX_RETENTION_YEARS]),
  ) as Record<Purpose, number>;
  return { ...parsed.data, retentionYears: retention };
}

/** Reads and validates a JSON settings file; relative paths are resolved against `cwd`. */
export function readOrganisationConfig(file: string, cwd = process.cwd()): OrganisationConfig {
  const full = path.resolve(cwd, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(full, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read organisation config ${full}: ${(err as Error).message}`);
  }
  return loadOrganisationConfig(raw, `organisation config ${full}`);
}

/** Which settings file to use: context `-c config=path`, else env `BT_CONFIG`, else the demo organisation. */
export function configFileFrom(contextValue: unknown, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof contextValue === 'string' && contextValue.length > 0) return contextValue;
  if (env.BT_CONFIG) return env.BT_CONFIG;
  return DEFAULT_CONFIG_FILE;
}
