/**
 * The local token issuer behaves as the Cognito pools it stands in for: a user keeps one `sub`,
 * access tokens live as long as the app clients are deployed with, each pool serves its OpenID
 * discovery document, and a damaged key file stops the start with one line naming it and --fresh.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ACCESS_TOKEN_VALIDITY_MINUTES } from '../../infra/token-validity';
import { ACCESS_TOKEN_SECONDS, startLocalIssuer, type LocalIssuer } from '../../local/issuer';

interface Claims {
  sub: string;
  iss: string;
  iat: number;
  exp: number;
  username: string;
}
const claimsOf = (token: string): Claims => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Claims;
const kidOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string }).kid;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const users = { 'guardian-anna': 'guardian', 'staff-femke': 'staff' } as const;
const getToken = async (issuer: LocalIssuer, username: string) =>
  (await (await fetch(`${issuer.base}/token/${username}`)).json()) as { access_token: string; expires_in: number; token_type: string };

describe('tokens', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bt-issuer-'));
  let issuer: LocalIssuer;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ port: 0, keyFile: path.join(dir, 'issuer-key.pem'), users });
  });
  afterAll(async () => {
    await issuer.stop();
  });

  it('give a user the same sub every time, also after a restart, and no other user that sub', async () => {
    const first = claimsOf((await getToken(issuer, 'guardian-anna')).access_token);
    const again = claimsOf((await getToken(issuer, 'guardian-anna')).access_token);
    expect(first.sub).toMatch(UUID);
    expect(again.sub).toBe(first.sub);
    expect(claimsOf(issuer.mint({ username: 'guardian-anna', role: 'guardian' })).sub).toBe(first.sub);
    expect(claimsOf(issuer.mint({ username: 'guardian-bram', role: 'guardian' })).sub).not.toBe(first.sub);
    // Another pool is another user, as in Cognito.
    expect(claimsOf(issuer.mint({ username: 'guardian-anna', role: 'staff' })).sub).not.toBe(first.sub);
    const restarted = await startLocalIssuer({ port: 0, keyFile: path.join(dir, 'issuer-key.pem'), users });
    try {
      expect(claimsOf((await getToken(restarted, 'guardian-anna')).access_token).sub).toBe(first.sub);
    } finally {
      await restarted.stop();
    }
  });

  it("live as long as Cognito's access tokens are deployed to (30 minutes), and say so", async () => {
    expect(ACCESS_TOKEN_SECONDS).toBe(ACCESS_TOKEN_VALIDITY_MINUTES * 60);
    expect(ACCESS_TOKEN_VALIDITY_MINUTES).toBe(30);
    const answer = await getToken(issuer, 'staff-femke');
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS });
    const claims = claimsOf(answer.access_token);
    expect(claims.exp - claims.iat).toBe(ACCESS_TOKEN_SECONDS);
    const posted = await fetch(`${issuer.base}/token`, { method: 'POST', body: JSON.stringify({ username: 'someone', role: 'admin' }) });
    const body = (await posted.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(ACCESS_TOKEN_SECONDS);
    expect(claimsOf(body.access_token).exp - claimsOf(body.access_token).iat).toBe(ACCESS_TOKEN_SECONDS);
  });

  it.each(['staff', 'family'] as const)('of the %s pool: its OpenID discovery document names its issuer and the keys that verify them', async (pool) => {
    const res = await fetch(`${issuer.base}/${pool}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: issuer.pools[pool].issuer,
      jwks_uri: issuer.pools[pool].jwksUri,
      token_endpoint: `${issuer.base}/token`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['public'],
    });
    const token = issuer.mint({ username: 'someone', role: pool === 'staff' ? 'staff' : 'guardian' });
    expect(claimsOf(token).iss).toBe(doc.issuer);
    const jwks = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: { kid: string; alg: string }[] };
    expect(jwks.keys).toContainEqual(expect.objectContaining({ kid: kidOf(token), alg: 'RS256' }));
  });
});

describe('a damaged key file', () => {
  it.each([
    ['garbled', '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n'],
    ['empty', ''],
    ['not RSA', '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n'],
  ])('(%s) stops the start with one line naming the file and --fresh, and is left as it was', async (_kind, content) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bt-issuer-bad-'));
    const file = path.join(dir, 'issuer-key.family.pem');
    writeFileSync(file, content);
    const start = startLocalIssuer({ port: 0, keyFile: path.join(dir, 'issuer-key.pem') });
    await expect(start).rejects.toThrow(file);
    const message = await start.then(
      () => '',
      (err: Error) => err.message,
    );
    expect(message).toContain('--fresh');
    expect(message).not.toContain('\n');
    expect(readFileSync(file, 'utf8')).toBe(content);
  });
});
