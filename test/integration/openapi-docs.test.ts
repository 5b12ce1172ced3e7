/** The local backend serves the OpenAPI document and a browsable reference rendered from local files (no CDN). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startLocalIssuer } from '../../local/issuer';
import { startLocalApi } from '../../local/server';
import { startTestBackend, type TestBackend } from './support';

interface ServedDocument {
  servers: { url: string }[];
  components: { securitySchemes: { bearerAuth: { description: string } } };
}

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

it('serves the committed document at /openapi.json, naming the server in use and how to get a local token', async () => {
  const res = await fetch(`${b.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const served = (await res.json()) as ServedDocument;
  const committed = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as ServedDocument;
  // The committed document names the default port; the served one the port this backend listens on.
  expect(committed.servers).toEqual([expect.objectContaining({ url: 'http://127.0.0.1:3000' })]);
  expect(served.servers).toEqual([expect.objectContaining({ url: b.url })]);
  expect(b.url).not.toBe('http://127.0.0.1:3000');
  const scheme = served.components.securitySchemes.bearerAuth;
  expect(scheme.description).toMatch(/^Locally: curl -s http:\/\/127\.0\.0\.1:\d+\/token\/guardian-anna /);
  expect(scheme.description).toContain(committed.components.securitySchemes.bearerAuth.description);
  // Everything else is the committed document.
  const rest = (doc: ServedDocument) => ({ ...doc, servers: undefined, components: { ...doc.components, securitySchemes: undefined } });
  expect(rest(served)).toEqual(rest(committed));
});

it('names the issuer in use in the Authorize dialog, and its command gets a token', async () => {
  const issuer = await startLocalIssuer({ port: 0, users: { 'guardian-anna': 'guardian' } });
  const api = await startLocalApi(0, { issuerBase: issuer.base });
  try {
    const served = (await (await fetch(`${api.url}/openapi.json`)).json()) as ServedDocument;
    expect(served.servers[0]?.url).toBe(api.url);
    const hint = served.components.securitySchemes.bearerAuth.description;
    const command = /^Locally: (curl -s \S+) /.exec(hint)?.[1] ?? '';
    expect(command).toBe(`curl -s ${issuer.base}/token/guardian-anna`);
    expect(issuer.base).not.toBe('http://127.0.0.1:3001');
    // As a reader would run it.
    const { stdout } = await promisify(execFile)('sh', ['-c', command]);
    const token = (JSON.parse(stdout) as { access_token: string }).access_token;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { username: string; iss: string };
    expect(claims).toMatchObject({ username: 'guardian-anna', iss: issuer.pools.family.issuer });
  } finally {
    await api.stop();
    await issuer.stop();
  }
});

it('leads from / to the reference page', async () => {
  const res = await fetch(`${b.url}/`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/docs');
  const followed = await fetch(`${b.url}/`);
  expect(followed.url).toBe(`${b.url}/docs`);
  expect(await followed.text()).toContain('swagger-ui');
});

it('serves the reference page at /docs with its renderer from node_modules, nothing from elsewhere', async () => {
  const res = await fetch(`${b.url}/docs`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await res.text();
  expect(html).toContain("url: '/openapi.json'");
  const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
  expect(sources.length).toBeGreaterThanOrEqual(3);
  for (const src of sources) {
    expect(src.startsWith('/docs/assets/')).toBe(true);
    const asset = await fetch(`${b.url}${src}`);
    expect(asset.status).toBe(200);
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
  }
});

it('serves no other file from the renderer package, and the API routes are unaffected', async () => {
  for (const p of ['/docs/assets/package.json', '/docs/assets/../../package.json', '/docs/assets/constructor']) {
    const res = await fetch(`${b.url}${p}`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  }
  expect((await b.call('GET', '/groups')).status).toBe(401);
  expect((await b.call('POST', '/openapi.json')).status).toBe(404);
});
