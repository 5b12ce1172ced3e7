import { App, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppFunction } from '../../infra/constructs/app-function';

function arrange() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'eu-central-1' } });
  const table = new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING } });
  const other = new dynamodb.TableV2(stack, 'Other', { partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING } });
  return { app, stack, table, other };
}

/** A KMS-encrypted bucket imported like the API stack imports the footage bucket. */
function importedBucket(stack: Stack) {
  const key = new kms.Key(stack, 'Key');
  const bucket = s3.Bucket.fromBucketAttributes(stack, 'Bucket', {
    bucketArn: Fn.importValue('Data:FootageBucketArn'),
    bucketName: Fn.importValue('Data:FootageBucketName'),
    encryptionKey: key,
  });
  return { key, bucket };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statements = (stack: Stack): Statement[] =>
  Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const objects = (prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'Data:FootageBucketArn' }, `/${prefix}*`]] });

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

  it('encrypts its log group with the given key, keeps or drops it and keeps its lines as long as told', () => {
    const { stack } = arrange();
    const key = new kms.Key(stack, 'LogKey');

    new AppFunction(stack, 'Fn', { handler: 'consent/get-consents', logEncryptionKey: key, logRemovalPolicy: RemovalPolicy.DESTROY });
    new AppFunction(stack, 'Eraser', { handler: 'consent/get-consents', logRetention: logs.RetentionDays.TWO_MONTHS });

    const [group, longer] = Object.values(Template.fromStack(stack).findResources('AWS::Logs::LogGroup'));
    expect(group).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] } },
    });
    expect(longer).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 60 } });
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

  it('bindTable lets a function query GSI1 unless it names the indexes it queries', () => {
    const { stack, table } = arrange();
    new AppFunction(stack, 'Route', { handler: 'consent/get-consents' }).bindTable(table, 'read');
    new AppFunction(stack, 'Sweep', { handler: 'consent/get-consents' }).bindTable(table, 'readwrite', ['GSI2']);

    const onIndexes = statements(stack).filter((st) => JSON.stringify(st.Resource).includes('/index/'));
    expect(onIndexes.map((st) => JSON.stringify(st.Resource).match(/\/index\/\w+/g))).toEqual([['/index/GSI1'], ['/index/GSI2']]);
  });

  describe('bindTableStream', () => {
    it('grants reading the stream of the table, on that stream only, and returns its ARN', () => {
      const { stack } = arrange();
      const table = new dynamodb.TableV2(stack, 'Streamed', {
        partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      });
      const fn = new AppFunction(stack, 'Fn', { handler: 'consent/get-consents' });
      fn.bindTable(table, 'readwrite');

      const streamArn = fn.bindTableStream(table);

      const stream = { 'Fn::GetAtt': [stack.getLogicalId(table.node.defaultChild as dynamodb.CfnGlobalTable), 'StreamArn'] };
      expect(stack.resolve(streamArn)).toEqual(stream);
      const onStream = statements(stack).filter((st) => JSON.stringify(st.Resource).includes('StreamArn'));
      expect(onStream.map((st) => [actionsOf(st).sort(), st.Resource])).toEqual([
        [['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'], stream],
      ]);
      expect(new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName)).not.toContain(
        'AwsSolutions-IAM5[Resource::*]',
      );
    });

    it('refuses a table without a stream, and a table that is not bound', () => {
      const { stack, table } = arrange();
      const streamed = new dynamodb.TableV2(stack, 'Streamed', {
        partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      });

      expect(() => new AppFunction(stack, 'A', { handler: 'consent/get-consents' }).bindTableStream(streamed)).toThrow(/bind the table/);
      const fn = new AppFunction(stack, 'B', { handler: 'consent/get-consents' });
      fn.bindTable(table, 'read');
      expect(() => fn.bindTableStream(table)).toThrow(/has no stream/);
    });
  });

  describe('bindBucket', () => {
    it('sets BUCKET_NAME and grants exactly the listed actions on the listed prefixes, nothing on the bucket', () => {
      const { stack } = arrange();
      const { bucket } = importedBucket(stack);
      const fn = new AppFunction(stack, 'Fn', { handler: 'media/complete-upload' });

      fn.bindBucket(bucket, [
        { prefix: 'uploads/', actions: ['s3:GetObject', 's3:DeleteObject'] },
        { prefix: 'media/', actions: ['s3:PutObject'] },
      ]);

      expect(variables(stack).BUCKET_NAME).toEqual({ 'Fn::ImportValue': 'Data:FootageBucketName' });
      const s3 = statements(stack).filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
      expect(s3.map((st) => [actionsOf(st), st.Resource])).toEqual([
        [['s3:GetObject', 's3:DeleteObject'], objects('uploads/')],
        [['s3:PutObject'], objects('media/')],
      ]);
    });

    it('grants the key only for what S3 does with it, only through S3 and only for this bucket', () => {
      const { stack } = arrange();
      const { bucket, key } = importedBucket(stack);
      const writer = new AppFunction(stack, 'Writer', { handler: 'media/create-upload' });
      const deleter = new AppFunction(stack, 'Deleter', { handler: 'media/delete-media' });

      writer.bindBucket(bucket, [{ prefix: 'uploads/', actions: ['s3:PutObject'] }]);
      deleter.bindBucket(bucket, [{ prefix: 'media/', actions: ['s3:DeleteObject'] }]);

      const kmsStatements = statements(stack).filter((st) => actionsOf(st).some((a) => a.startsWith('kms:')));
      expect(kmsStatements).toEqual([
        expect.objectContaining({
          Action: 'kms:GenerateDataKey',
          Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
          Condition: {
            StringEquals: {
              'kms:ViaService': 's3.eu-central-1.amazonaws.com',
              'kms:EncryptionContext:aws:s3:arn': { 'Fn::ImportValue': 'Data:FootageBucketArn' },
            },
          },
        }),
      ]);
    });

    it('with no grants the function knows the bucket but may not touch it', () => {
      const { stack } = arrange();
      const { bucket } = importedBucket(stack);

      new AppFunction(stack, 'Fn', { handler: 'media/get-media' }).bindBucket(bucket, []);

      expect(variables(stack).BUCKET_NAME).toEqual({ 'Fn::ImportValue': 'Data:FootageBucketName' });
      expect(JSON.stringify(statements(stack))).not.toMatch(/"(s3|kms):/);
    });

    it.each(['', '*', 'uploads', 'uploads/*', '/'])('refuses the prefix %j: grants are per folder, never the whole bucket', (prefix) => {
      const { stack } = arrange();
      const { bucket } = importedBucket(stack);
      const fn = new AppFunction(stack, 'Fn', { handler: 'media/get-media' });

      expect(() => fn.bindBucket(bucket, [{ prefix, actions: ['s3:GetObject'] }])).toThrow(/must be a folder/);
    });

    it('refuses a bucket of another stack: import it first', () => {
      const { app, stack } = arrange();
      const bucket = new s3.Bucket(new Stack(app, 'Data', { env: { region: 'eu-central-1' } }), 'Bucket');
      const fn = new AppFunction(stack, 'Fn', { handler: 'media/get-media' });

      expect(() => fn.bindBucket(bucket, [])).toThrow(/import the bucket into this stack/);
    });

    it('acknowledges its own prefix wildcards for cdk-nag, and nothing more', () => {
      const { stack, table } = arrange();
      const { bucket } = importedBucket(stack);
      const fn = new AppFunction(stack, 'Fn', { handler: 'media/delete-media' });
      fn.bindTable(table, 'readwrite');
      fn.bindBucket(bucket, [
        { prefix: 'uploads/', actions: ['s3:DeleteObject'] },
        { prefix: 'media/', actions: ['s3:DeleteObject'] },
      ]);
      const nag = () => new AwsSolutionsChecks(stack).validateScope(stack).violations.map((v) => v.ruleName);
      const iam5 = () => nag().filter((r) => r.startsWith('AwsSolutions-IAM5'));

      expect(iam5()).toEqual([]);
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('*')] }));
      expect(iam5()).toEqual(['AwsSolutions-IAM5[Resource::Data:FootageBucketArn/*]']);
    });
  });
});
