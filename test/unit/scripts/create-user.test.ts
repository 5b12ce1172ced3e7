/** scripts/create-user.ts against mocked CloudFormation and Cognito: the right pool per role, the group, clear errors. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  InternalErrorException,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { UsageError, createUser, temporaryPassword, validateOptions, type CreateUserOptions } from '../../../scripts/create-user';

const cloudFormation = mockClient(CloudFormationClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const clients = () => ({ cloudFormation: new CloudFormationClient({ region: 'eu-central-1' }), cognito: new CognitoIdentityProviderClient({ region: 'eu-central-1' }) });

const STACK = 'Beeldtoestemming-demo-prod-Api';
const STAFF_POOL = 'eu-central-1_staff';
const FAMILY_POOL = 'eu-central-1_family';

beforeEach(() => {
  cloudFormation.reset();
  cognito.reset();
  cloudFormation.on(DescribeStacksCommand, { StackName: STACK }).resolves({
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'ApiUrl', OutputValue: 'https://api.example' },
          { OutputKey: 'StaffUserPoolId', OutputValue: STAFF_POOL },
          { OutputKey: 'FamilyUserPoolId', OutputValue: FAMILY_POOL },
        ],
      },
    ],
  });
  cognito.on(AdminCreateUserCommand).resolves({});
  cognito.on(AdminAddUserToGroupCommand).resolves({});
});

const options = (o: Partial<CreateUserOptions>): CreateUserOptions => ({ stack: STACK, role: 'admin', username: 'admin-hanna', email: 'hanna@example.org', ...o });

describe('creates the account in the pool of its role and adds it to the role group', () => {
  test.each([
    ['admin', STAFF_POOL],
    ['staff', STAFF_POOL],
    ['guardian', FAMILY_POOL],
    ['child', FAMILY_POOL],
  ] as const)('%s: pool %s', async (role, poolId) => {
    const created = await createUser(options({ role, username: `${role}-1` }), clients());

    expect(created).toMatchObject({ poolId, role, username: `${role}-1` });
    expect(cognito.commandCalls(AdminCreateUserCommand).map((c) => c.args[0].input)).toEqual([
      {
        UserPoolId: poolId,
        Username: `${role}-1`,
        UserAttributes: [
          { Name: 'email', Value: 'hanna@example.org' },
          { Name: 'email_verified', Value: 'true' },
        ],
        DesiredDeliveryMediums: ['EMAIL'],
      },
    ]);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input)).toEqual([
      { UserPoolId: poolId, Username: `${role}-1`, GroupName: role },
    ]);
  });
});

test('the first admin: staff pool, invitation by email, group admin', async () => {
  const created = await createUser(validateOptions({ stack: STACK, role: 'admin', username: 'admin-hanna', email: 'hanna@example.org' }), clients());

  expect(created).toEqual({ pool: 'staff', poolId: STAFF_POOL, username: 'admin-hanna', role: 'admin' });
});

test("a child without email: Cognito sends nothing, and a temporary password meeting the policy is returned to hand over", async () => {
  const { email: _none, ...withoutEmail } = options({ role: 'child', username: 'child-noor' });

  const created = await createUser(withoutEmail, clients());

  const input = cognito.commandCalls(AdminCreateUserCommand)[0]?.args[0].input;
  expect(input).toMatchObject({ UserPoolId: FAMILY_POOL, Username: 'child-noor', MessageAction: 'SUPPRESS' });
  expect(input?.UserAttributes).toBeUndefined();
  expect(created.temporaryPassword).toBe(input?.TemporaryPassword);
  expect(created.temporaryPassword).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{16}$/);
});

test('temporary passwords are not repeated', () => {
  const passwords = new Set(Array.from({ length: 50 }, temporaryPassword));

  expect(passwords.size).toBe(50);
  for (const p of passwords) expect(p).toMatch(/^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{16}$/);
});

describe('refuses, before calling AWS, with a message that says what is wrong', () => {
  test.each([
    ['no stack', { stack: undefined }, /--stack is required/],
    ['an unknown role', { role: 'root' }, /--role must be one of guardian, child, staff, admin, not "root"/],
    ['no role', { role: undefined }, /--role must be one of/],
    ['no username', { username: undefined }, /--username must be the id/],
    ['a username with a space', { username: 'hanna de vries' }, /--username must be the id/],
    ['a username that looks like an email address', { username: 'hanna@example.org' }, /no @/],
    ['a username with a #', { username: 'CHILD#1' }, /--username must be the id/],
    ['a malformed email', { email: 'hanna.example.org' }, /is not an email address/],
    ['staff without email', { role: 'staff', email: undefined }, /--email is required for staff/],
    ['an admin without email', { role: 'admin', email: undefined }, /--email is required for admin/],
  ])('%s', (_case, override, message) => {
    const raw = { stack: STACK, role: 'admin', username: 'admin-hanna', email: 'hanna@example.org', ...override };

    expect(() => validateOptions(raw)).toThrow(UsageError);
    expect(() => validateOptions(raw)).toThrow(message);
  });
});

test('an existing user is an error and nothing is changed', async () => {
  cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'User account already exists', $metadata: {} }));

  await expect(createUser(options({}), clients())).rejects.toThrow(
    new UsageError(`user admin-hanna exists already in the staff pool (${STAFF_POOL}); nothing was changed`),
  );
  expect(cognito.commandCalls(AdminAddUserToGroupCommand)).toEqual([]);
});

test('a stack that does not exist is named in the error', async () => {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }));

  await expect(createUser(options({ stack: 'Nope' }), clients())).rejects.toThrow(/stack Nope not found/);
  expect(cognito.commandCalls(AdminCreateUserCommand)).toEqual([]);
});

test('a stack without the pool outputs (the data stack, say) is named in the error', async () => {
  cloudFormation.on(DescribeStacksCommand, { StackName: 'Data' }).resolves({ Stacks: [{ StackName: 'Data', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });

  await expect(createUser(options({ stack: 'Data' }), clients())).rejects.toThrow(/stack Data has no output StaffUserPoolId/);
});

test('a user created but not added to its group is reported with the command that fixes it', async () => {
  cognito.on(AdminAddUserToGroupCommand).rejects(new InternalErrorException({ message: 'boom', $metadata: {} }));

  await expect(createUser(options({}), clients())).rejects.toThrow(
    `aws cognito-idp admin-add-user-to-group --user-pool-id ${STAFF_POOL} --username admin-hanna --group-name admin`,
  );
});
