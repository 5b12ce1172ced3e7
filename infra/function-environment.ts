/**
 * The one definition of what a function's environment holds for an organisation: the stacks set
 * it on every Lambda function, and the local backend (`npm start -- --org <file>`) sets the same
 * on its process. `functions/shared/config.ts` validates it at every cold start.
 */
import type { OrganisationConfig } from './config';

/** How long a pre-signed upload URL lives: minutes, not hours. Set on the functions that touch footage. */
export const UPLOAD_URL_TTL_SECONDS = 300;

/**
 * What every function gets. `jwtIssuers` is the JSON of the trusted user pools (in AWS a token the
 * stack resolves at deploy time, locally the local issuer's pools).
 */
export function functionEnvironment(config: OrganisationConfig, jwtIssuers: string): Record<string, string> {
  return {
    AGE_POLICY: config.agePolicy,
    NOTICE_VERSION: config.noticeVersion,
    JWT_ISSUERS: jwtIssuers,
    // Everywhere, not only where footage is handled: a function without it would silently
    // compute deletion dates with the three-year default instead of the organisation's setting.
    RETENTION_YEARS: JSON.stringify(config.retentionYears),
    // Which channels can be published to, and which are live (taken down after a withdrawal).
    CHANNELS: JSON.stringify(config.channels),
  };
}

/** What the functions that touch footage get on top. */
export const FOOTAGE_ENVIRONMENT: Record<string, string> = { UPLOAD_URL_TTL_SECONDS: String(UPLOAD_URL_TTL_SECONDS) };
