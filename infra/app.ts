/**
 * The CDK app (cdk.json runs `npx tsx infra/app.ts`): one organisation's deployment, chosen with
 * `-c config=path/to/org.json` or `BT_CONFIG`, else the demo organisation. cdk-nag runs on every
 * synth; a finding without a written acknowledgement fails it.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFileFrom, readOrganisationConfig, type OrganisationConfig } from './config';
import { ApiStack } from './stacks/api-stack';
import { DataStack } from './stacks/data-stack';

export interface Deployment {
  data: DataStack;
  api: ApiStack;
}

/** Creates the stacks of one organisation in `app`; used by the CLI below and by the infra tests. */
export function createDeployment(app: App, config: OrganisationConfig): Deployment {
  // The region always comes from the validated settings, so no stack can be region-agnostic.
  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const prefix = `Beeldtoestemming-${config.organisationId}-${config.stage}`;
  const data = new DataStack(app, `${prefix}-Data`, {
    env,
    config,
    description: `Beeldtoestemming ${config.organisationId} (${config.stage}): key, table and footage bucket`,
    terminationProtection: config.stage === 'prod',
  });
  const api = new ApiStack(app, `${prefix}-Api`, {
    env,
    config,
    table: data.table,
    bucket: data.footage,
    logKey: data.key,
    description: `Beeldtoestemming ${config.organisationId} (${config.stage}): sign-in, API and functions`,
  });
  for (const stack of [data, api]) {
    Tags.of(stack).add('Application', 'beeldtoestemming');
    Tags.of(stack).add('Organisation', config.organisationId);
    Tags.of(stack).add('Stage', config.stage);
  }
  return { data, api };
}

if (require.main === module) {
  const app = new App();
  const config = readOrganisationConfig(configFileFrom(app.node.tryGetContext('config')));
  createDeployment(app, config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
