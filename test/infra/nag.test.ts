import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { configWith, synth, type Synthesized } from './support';

/** Every acknowledged finding in the app, with its reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const byStage: Partial<Record<'dev' | 'prod', Synthesized>> = {};
  beforeAll(() => {
    byStage.dev = synth(configWith({ stage: 'dev' }));
    byStage.prod = synth(configWith({ stage: 'prod' }));
  });

  // A warning fails synth too: the validation report of cdk-nag is unsuccessful with any violation.
  it.each(['dev', 'prod'] as const)('%s: no finding, error or warning, is left unacknowledged', (stage) => {
    const deployment = byStage[stage] as Synthesized;
    for (const stack of [deployment.data, deployment.api]) {
      const report = new AwsSolutionsChecks(stack).validateScope(stack);

      expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
        [],
      );
      expect(report.success).toBe(true);
    }
  });

  it('acknowledges only the expected findings, each with a reason', () => {
    const deployment = byStage.dev as Synthesized;
    const found = acknowledgements(deployment.app);
    const bucketArn = `${deployment.data.stackName}:FootageBucketArn`;

    expect([...new Set(found.map((a) => a.id))].sort()).toEqual([
      'AwsSolutions-COG2',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::${bucketArn}/exports/*]`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/media/*]`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/uploads/*]`,
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
    ]);
    for (const a of found) expect(a.reason.length).toBeGreaterThan(40);
    // Wildcards are acknowledged on function roles only, never for a whole stack.
    for (const a of found.filter((x) => x.id.startsWith('AwsSolutions-IAM5'))) expect(a.path).toMatch(/\/Role$/);
    // Object wildcards only on the roles of functions that were granted a prefix of the bucket.
    const prefixRoles = found.filter((x) => x.id.includes(bucketArn)).map((x) => x.path.split('/')[1]);
    expect([...new Set(prefixRoles)].sort()).toEqual([
      'MediaCompleteUpload',
      'MediaCreateUpload',
      'MediaDeleteMedia',
      'MediaObjectCreated',
      'RetentionSweep',
      'RightsEraseChild',
      'RightsExportChild',
      'UsageCoaching',
      'UsageDownload',
      'UsageFeed',
      'WithdrawalOnLedgerChange',
    ]);
    // MFA is optional on the family pool only; the staff pool requires it.
    expect(found.filter((x) => x.id === 'AwsSolutions-COG2').map((x) => x.path)).toEqual([
      `${deployment.api.stackName}/FamilyPool`,
    ]);
    // Server access logs are missing on the bucket that receives them, and on no other.
    expect(found.filter((x) => x.id === 'AwsSolutions-S1').map((x) => x.path)).toEqual([
      `${deployment.data.stackName}/AccessLogBucket`,
    ]);
    // "Has no DLQ" only on the queue that is one: the stream mapping's on-failure destination,
    // which cdk-nag does not recognise as a DLQ (it does recognise a function's DeadLetterConfig).
    expect(found.filter((x) => x.id === 'AwsSolutions-SQS3').map((x) => x.path).sort()).toEqual([
      `${deployment.api.stackName}/AuditDeadLetters`,
      `${deployment.api.stackName}/WithdrawalDeadLetters`,
    ]);
  });

  it('the checks do report what they should (a wildcard resource is an error)', () => {
    const stack = new Stack();
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] }),
    );

    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    expect(report.violations).toEqual([
      expect.objectContaining({ ruleName: 'AwsSolutions-IAM5[Resource::*]', severity: 'error' }),
    ]);
  });
});
