/**
 * `npm run create-user -- --stack <ApiStackName> --role <role> --username <id> [--email <address>] [--region <region>]`
 *
 * Creates a sign-in account in the deployed user pool of the role: staff and admin in the staff
 * pool (MFA required), guardian and child in the family pool. The username is the id of the
 * person's record in the API (staff id, guardian id, child id; an admin's own id), the group is
 * the role. The pool ids come from the API stack's outputs, so nothing is copied by hand.
 *
 * With an email address Cognito sends its invitation with a temporary password (valid 3 days) and
 * the address is marked verified (the organisation vouches for it). Staff and admin need one.
 * Without one (a child's account) Cognito sends nothing and the temporary password is printed
 * once, to be handed over in person. At the first sign-in the app asks for a new password; staff
 * and admin also set up an authenticator app (TOTP).
 *
 * The first admin of a new deployment is made this way (README, "First admin").
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { ROLES, poolOfRole, type Pool, type Role } from '../functions/shared/auth';
import { STACK_OUTPUTS } from '../infra/stack-outputs';

/** A mistake of the caller: printed as it is, without a stack trace. */
export class UsageError extends Error {}

export interface CreateUserOptions {
  /** The API stack, e.g. `Beeldtoestemming-jeugdzorg-noord-prod-Api`. */
  stack: string;
  role: Role;
  username: string;
  email?: string;
}

export interface CreatedUser {
  pool: Pool;
  poolId: string;
  username: string;
  role: Role;
  /** Set when no email was given: the temporary password to hand over. */
  temporaryPassword?: string;
}

export interface Clients {
  cloudFormation: CloudFormationClient;
  cognito: CognitoIdentityProviderClient;
}

/**
 * Usernames are the ids of records (functions/shared/schema.ts `id`), without `@`: Cognito refuses
 * a username in email format when email is a sign-in alias, as it is in both pools.
 */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const POOL_OUTPUT: Record<Pool, string> = {
  staff: STACK_OUTPUTS.staffUserPoolId,
  family: STACK_OUTPUTS.familyUserPoolId,
};

/** Checks the options; throws a UsageError that says what is wrong. */
export function validateOptions(raw: { stack?: string; role?: string; username?: string; email?: string }): CreateUserOptions {
  if (!raw.stack) throw new UsageError('--stack is required: the name of the API stack, e.g. Beeldtoestemming-<organisation>-prod-Api');
  if (!raw.role || !(ROLES as readonly string[]).includes(raw.role)) {
    throw new UsageError(`--role must be one of ${ROLES.join(', ')}${raw.role ? `, not ${JSON.stringify(raw.role)}` : ''}`);
  }
  const role = raw.role as Role;
  if (!raw.username || !USERNAME.test(raw.username)) {
    throw new UsageError(
      '--username must be the id of the person\'s record: 1-100 letters, digits, or . _ - (no @: people sign in with ' +
        `their email address as an alias, so a username may not look like one)${raw.username ? `, not ${JSON.stringify(raw.username)}` : ''}`,
    );
  }
  if (raw.email !== undefined && !EMAIL.test(raw.email)) throw new UsageError(`--email ${JSON.stringify(raw.email)} is not an email address`);
  if (poolOfRole(role) === 'staff' && raw.email === undefined) {
    throw new UsageError(`--email is required for ${role}: the invitation and account recovery go by email`);
  }
  return { stack: raw.stack, role, username: raw.username, ...(raw.email !== undefined ? { email: raw.email } : {}) };
}

/** The pool id of `pool`, from the stack's outputs. */
async function poolIdOf(cloudFormation: CloudFormationClient, stack: string, pool: Pool): Promise<string> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const res = await cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = res.Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    if ((err as Error).name === 'ValidationError') {
      throw new UsageError(`stack ${stack} not found in this account and region (check --region and the credentials)`);
    }
    throw err;
  }
  const value = outputs.find((o) => o.OutputKey === POOL_OUTPUT[pool])?.OutputValue;
  if (!value) throw new UsageError(`stack ${stack} has no output ${POOL_OUTPUT[pool]}: name the API stack (…-Api), deployed from this version`);
  return value;
}

/** A temporary password that meets both pools' policy: 16 characters, each kind at least twice. */
export function temporaryPassword(): string {
  const kinds = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnpqrstuvwxyz', '23456789', '!#$%&*+-=?@^_'];
  const chars = kinds.flatMap((k) => [k, k, k, k]).map((k) => k[randomInt(k.length)] as string);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join('');
}

/** Creates the account in the pool of the role and adds it to the role's group. */
export async function createUser(options: CreateUserOptions, clients: Clients): Promise<CreatedUser> {
  const pool = poolOfRole(options.role);
  const poolId = await poolIdOf(clients.cloudFormation, options.stack, pool);
  const password = options.email === undefined ? temporaryPassword() : undefined;
  try {
    await clients.cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: options.username,
        ...(options.email !== undefined
          ? {
              UserAttributes: [
                { Name: 'email', Value: options.email },
                { Name: 'email_verified', Value: 'true' },
              ],
              DesiredDeliveryMediums: ['EMAIL'],
            }
          : { TemporaryPassword: password, MessageAction: 'SUPPRESS' }),
      }),
    );
  } catch (err) {
    if (err instanceof UsernameExistsException || (err as Error).name === 'UsernameExistsException') {
      throw new UsageError(`user ${options.username} exists already in the ${pool} pool (${poolId}); nothing was changed`);
    }
    throw err;
  }
  try {
    await clients.cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: options.username, GroupName: options.role }));
  } catch (err) {
    throw new Error(
      `user ${options.username} was created in the ${pool} pool but not added to group ${options.role} (${(err as Error).name}); ` +
        'it cannot use the API without a role. Add it with: aws cognito-idp admin-add-user-to-group ' +
        `--user-pool-id ${poolId} --username ${options.username} --group-name ${options.role}`,
    );
  }
  return { pool, poolId, username: options.username, role: options.role, ...(password ? { temporaryPassword: password } : {}) };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: 'string' },
      role: { type: 'string' },
      username: { type: 'string' },
      email: { type: 'string' },
      region: { type: 'string' },
    },
    strict: true,
  });
  const options = validateOptions(values);
  const region = values.region ? { region: values.region } : {};
  const created = await createUser(options, {
    cloudFormation: new CloudFormationClient(region),
    cognito: new CognitoIdentityProviderClient(region),
  });
  console.log(`Created ${created.username} in the ${created.pool} pool (${created.poolId}) with role ${created.role}.`);
  if (created.temporaryPassword) {
    console.log(`No email given, so Cognito sent nothing. Temporary password (valid 3 days, hand it over in person): ${created.temporaryPassword}`);
  } else {
    console.log(`Cognito emails a temporary password to ${options.email} (valid 3 days).`);
  }
  const record = { admin: undefined, staff: 'PUT /staff/{staffId}', guardian: 'POST /guardians', child: 'POST /children' }[created.role];
  if (record) console.log(`The API knows this person by the record ${created.username}; create it with ${record} if it does not exist yet.`);
  console.log(
    created.pool === 'staff'
      ? 'At the first sign-in the staff tablet app asks for a new password and to set up an authenticator app (TOTP).'
      : 'At the first sign-in the parents app asks for a new password.',
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err instanceof UsageError || err.name === 'TypeError' ? err.message : `${err.name}: ${err.message}`);
    process.exit(1);
  });
}
