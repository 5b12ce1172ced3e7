import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PURPOSES } from '../../functions/domain/purposes';
import {
  DEFAULT_CONFIG_FILE,
  EEA_REGIONS,
  MAX_RETENTION_YEARS,
  configFileFrom,
  loadOrganisationConfig,
  readOrganisationConfig,
} from '../../infra/config';
import { PROJECT_ROOT, demoSettings } from './support';

const withSettings = (overrides: Record<string, unknown>) => ({ ...demoSettings(), ...overrides });

describe('organisation settings', () => {
  it('the committed demo organisation is valid: eu-central-1, dev', () => {
    const config = readOrganisationConfig(DEFAULT_CONFIG_FILE, PROJECT_ROOT);

    expect(config).toMatchObject({ organisationId: 'demo', region: 'eu-central-1', stage: 'dev' });
  });

  it('defaults to the youth-care age policy and the three-year maximum for every purpose', () => {
    const { agePolicy: _a, retentionYears: _r, ...rest } = demoSettings();

    const config = loadOrganisationConfig(rest);

    expect(config.agePolicy).toBe('youth-care');
    expect(config.retentionYears).toEqual(Object.fromEntries(PURPOSES.map((p) => [p, MAX_RETENTION_YEARS])));
  });

  it('a shorter period for one purpose leaves the others at the maximum', () => {
    const config = loadOrganisationConfig(withSettings({ retentionYears: { coaching_video: 1 } }));

    expect(config.retentionYears).toEqual({ parent_information: 3, coaching_video: 1, publication: 3 });
  });

  it('no purpose can be kept longer than three years after recording', () => {
    expect(() => loadOrganisationConfig(withSettings({ retentionYears: { publication: 4 } }))).toThrow(
      /retentionYears\.publication: cannot exceed 3 years/,
    );
  });

  it('refuses a retention period for a purpose that does not exist', () => {
    expect(() => loadOrganisationConfig(withSettings({ retentionYears: { marketing: 1 } }))).toThrow(/marketing/);
  });

  it.each(EEA_REGIONS)('accepts the EEA region %s', (region) => {
    expect(loadOrganisationConfig(withSettings({ region })).region).toBe(region);
  });

  it.each(['us-east-1', 'eu-west-2', 'eu-central-2', 'me-central-1', 'il-central-1'])(
    'refuses %s, outside the EEA, naming the region and the allowed ones',
    (region) => {
      const attempt = () => loadOrganisationConfig(withSettings({ region }));

      expect(attempt).toThrow(`region "${region}" is not an AWS region in the EEA`);
      expect(attempt).toThrow(`Allowed: ${EEA_REGIONS.join(', ')}`);
    },
  );

  it('refuses settings without a region', () => {
    const { region: _region, ...rest } = demoSettings();

    expect(() => loadOrganisationConfig(rest)).toThrow(/region/);
  });

  it('refuses an organisation id that is not a slug', () => {
    expect(() => loadOrganisationConfig(withSettings({ organisationId: 'Jeugdzorg Noord' }))).toThrow(
      /organisationId: must be a lower-case slug/,
    );
  });

  it('refuses unknown settings, so a misspelt one is not silently ignored', () => {
    expect(() => loadOrganisationConfig(withSettings({ retentionYear: { publication: 1 } }))).toThrow(/retentionYear/);
  });

  it('refuses duplicate channel ids', () => {
    const channels = [
      { id: 'website', label: 'Website', kind: 'online' },
      { id: 'website', label: 'Site', kind: 'online' },
    ];

    expect(() => loadOrganisationConfig(withSettings({ channels }))).toThrow(/channel ids must be unique/);
  });

  it('takes an optional email address for alarms', () => {
    expect(loadOrganisationConfig(withSettings({})).alertEmail).toBeUndefined();
    expect(loadOrganisationConfig(withSettings({ alertEmail: 'beheer@example.org' })).alertEmail).toBe('beheer@example.org');
    expect(() => loadOrganisationConfig(withSettings({ alertEmail: 'beheer' }))).toThrow(/alertEmail: must be an email address/);
  });

  it('names every invalid field in one error', () => {
    expect(() => loadOrganisationConfig(withSettings({ stage: 'test', account: '123' }))).toThrow(
      /stage:[\s\S]*account: must be a 12-digit AWS account id/,
    );
  });

  it('every organisation shipped in infra/organisations is valid, and the second demo uses the uavg policy', () => {
    const files = readdirSync(path.join(PROJECT_ROOT, 'infra/organisations')).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(['demo-uavg.json', 'demo.json']);
    const configs = files.map((f) => readOrganisationConfig(`infra/organisations/${f}`, PROJECT_ROOT));
    expect(configs.map((c) => c.agePolicy).sort()).toEqual(['uavg', 'youth-care']);
  });

  it('says which file could not be read', () => {
    expect(() => readOrganisationConfig('infra/organisations/missing.json', PROJECT_ROOT)).toThrow(
      /Cannot read organisation config .*missing\.json/,
    );
  });

  it('the file comes from context, else BT_CONFIG, else the demo organisation', () => {
    expect(configFileFrom('a.json', { BT_CONFIG: 'b.json' })).toBe('a.json');
    expect(configFileFrom(undefined, { BT_CONFIG: 'b.json' })).toBe('b.json');
    expect(configFileFrom(undefined, {})).toBe(DEFAULT_CONFIG_FILE);
  });
});

describe('the CDK app', () => {
  it('fails before creating any stack when the organisation is outside the EEA', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bt-config-'));
    const file = path.join(dir, 'london.json');
    writeFileSync(file, JSON.stringify(withSettings({ region: 'eu-west-2' })));

    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'infra/app.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, BT_CONFIG: file, CDK_OUTDIR: path.join(dir, 'out') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    rmSync(dir, { recursive: true, force: true });

    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('region "eu-west-2" is not an AWS region in the EEA');
  }, 30_000);
});
