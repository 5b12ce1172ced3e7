/**
 * How long a Cognito access and id token lives: the app clients (infra/stacks/api-stack.ts) are
 * deployed with it, and the local token issuer (local/issuer.ts) mints tokens of the same lifetime.
 * Plain numbers, so that the local backend need not load the CDK.
 */
export const ACCESS_TOKEN_VALIDITY_MINUTES = 30;
export const ID_TOKEN_VALIDITY_MINUTES = 30;
