import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AppFunction } from '../../infra/constructs/app-function';

function arrange() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'eu-central-1' } });
  const table = new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING } });
  const other = new dynamodb.TableV2(stack, 'Other', { partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING } });
  return { stack, table, other };
}

const variables = (stack: Stack) => {
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  return (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
};

describe('AppFunction', () => {
  it('merges the given environment with its defaults instead of replacing them', () => {
    const { stack } = arrange();

    new AppFunction(stack, 'Fn', {
      handler: 'consent/get-consents',
      environment: { AGE_POLICY: 'uavg', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    });

    expect(variables(stack)).toEqual({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      AGE_POLICY: 'uavg',
    });
  });

  it('bindTable sets TABLE_NAME to the bound table', () => {
    const { stack, table } = arrange();
    const fn = new AppFunction(stack, 'Fn', { handler: 'consent/get-consents' });

    fn.bindTable(table, 'read');

    expect(variables(stack).TABLE_NAME).toEqual({ Ref: stack.getLogicalId(table.node.defaultChild as dynamodb.CfnGlobalTable) });
  });

  it('refuses to point TABLE_NAME at a second table', () => {
    const { stack, table, other } = arrange();
    const fn = new AppFunction(stack, 'Fn', { handler: 'consent/get-consents' });
    fn.bindTable(table, 'read');

    expect(() => fn.bindTable(other, 'readwrite')).toThrow(/TABLE_NAME is already set/);
  });

  it('refuses to overwrite a variable given at construction', () => {
    const { stack } = arrange();
    const fn = new AppFunction(stack, 'Fn', { handler: 'consent/get-consents', environment: { NOTICE_VERSION: 'a' } });

    expect(() => fn.setEnvironment('NOTICE_VERSION', 'b')).toThrow(/NOTICE_VERSION is already set/);
    expect(() => fn.setEnvironment('NOTICE_VERSION', 'a')).not.toThrow();
  });

  it('a table without a customer-managed key gets no KMS permissions', () => {
    const { stack, table } = arrange();
    const fn = new AppFunction(stack, 'Fn', { handler: 'consent/get-consents' });

    fn.bindTable(table, 'readwrite');

    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('dynamodb:PutItem');
    expect(policies).not.toContain('kms:');
  });
});
