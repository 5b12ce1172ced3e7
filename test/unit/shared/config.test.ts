/** The functions' configuration: the trusted token issuers, one per user pool. */
import { readIssuers, runtimeConfig } from '../../../functions/shared/config';

const staff = { issuer: 'https://idp.example/staff', jwksUri: 'https://idp.example/staff/jwks', clientIds: ['tablet'], roles: ['staff', 'admin'] };
const family = { issuer: 'https://idp.example/family', jwksUri: 'https://idp.example/family/jwks', clientIds: ['app'], roles: ['guardian', 'child'] };
const env = (issuers: unknown) => ({ TABLE_NAME: 't', NOTICE_VERSION: 'v', JWT_ISSUERS: typeof issuers === 'string' ? issuers : JSON.stringify(issuers) });

test('JWT_ISSUERS lists each issuer with its keys, app clients and roles', () => {
  expect(runtimeConfig(env([staff, family])).JWT_ISSUERS).toEqual([staff, family]);
  expect(readIssuers(env([staff, family]))).toEqual([staff, family]);
});

test.each([
  ['not JSON', '[{'],
  ['no issuer at all', []],
  ['an issuer without client', [{ ...staff, clientIds: [] }]],
  ['an issuer without roles', [{ ...staff, roles: [] }]],
  ['an unknown role', [{ ...staff, roles: ['root'] }]],
  ['an issuer that is no URL', [{ ...staff, issuer: 'staff' }]],
  ['the same issuer twice', [staff, { ...family, issuer: staff.issuer }]],
  ['a role granted by two issuers', [staff, { ...family, roles: ['guardian', 'admin'] }]],
  ['an unexpected field', [{ ...staff, audience: 'x' }]],
])('refuses %s, naming only the setting', (_case, issuers) => {
  expect(() => runtimeConfig(env(issuers))).toThrow('invalid function configuration: JWT_ISSUERS');
  expect(() => readIssuers(env(issuers))).toThrow('invalid function configuration: JWT_ISSUERS');
});

test('the authorizer can read its issuers without the rest of the configuration', () => {
  expect(readIssuers({ JWT_ISSUERS: JSON.stringify([family]) })).toEqual([family]);
  expect(() => runtimeConfig({ JWT_ISSUERS: JSON.stringify([family]) })).toThrow(/TABLE_NAME/);
});
