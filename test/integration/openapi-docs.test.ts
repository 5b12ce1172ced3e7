/** The local backend serves the OpenAPI document and a browsable reference rendered from local files (no CDN). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestBackend, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

it('serves the committed document at /openapi.json', async () => {
  const res = await fetch(`${b.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'openapi.json'), 'utf8')));
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
