import { Match, type Template } from 'aws-cdk-lib/assertions';
import { EXPORT_PREFIX, MEDIA_PREFIX, UPLOAD_PREFIX } from '../../functions/shared/bucket-layout';
import { GLOBAL_INDEXES, GSI2, TABLE_KEYS } from '../../functions/shared/table-design';
import { ERASURE_LOG_RETENTION, PITR_RECOVERY_DAYS } from '../../infra/stacks/data-stack';
import { configWith, onlyResource, resourcesOf, synth, type Synthesized } from './support';

const TABLE = 'AWS::DynamoDB::GlobalTable';
const KEY = 'AWS::KMS::Key';
const BUCKET = 'AWS::S3::Bucket';

type LifecycleRule = {
  Status: string;
  Prefix?: string;
  Filter?: unknown;
  ExpirationInDays?: number;
  AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
};
type Statement = { Effect: string; Action: string | string[]; Principal?: unknown; Resource: unknown; Condition?: unknown };

/** The one resource of `type` whose logical id starts with `prefix`. */
function resourceNamed(template: Template, type: string, prefix: string) {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
  return found[0] as (typeof found)[number];
}

const footage = (s: Synthesized) => resourceNamed(s.dataTemplate, BUCKET, 'FootageBucket');
const accessLogs = (s: Synthesized) => resourceNamed(s.dataTemplate, BUCKET, 'AccessLogBucket');
const rulesOf = (bucket: ReturnType<typeof footage>) =>
  (bucket[1].Properties?.LifecycleConfiguration as { Rules: LifecycleRule[] }).Rules;
const policyOf = (s: Synthesized, bucketId: string) =>
  (
    resourcesOf(s.dataTemplate, 'AWS::S3::BucketPolicy').find(
      ([, p]) => (p.Properties?.Bucket as { Ref: string }).Ref === bucketId,
    )?.[1].Properties?.PolicyDocument as { Statement: Statement[] }
  ).Statement;

describe('data stack', () => {
  let dev: Synthesized;
  let prod: Synthesized;
  beforeAll(() => {
    dev = synth(configWith({ stage: 'dev' }));
    prod = synth(configWith({ stage: 'prod', organisationId: 'jeugdzorg-noord', region: 'eu-west-1' }));
  });

  it('the table has exactly the key schema of functions/shared/table-design.ts', () => {
    dev.dataTemplate.hasResourceProperties(TABLE, {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      ]),
    });
  });

  it('every global index of the table design exists with its keys and ALL projection', () => {
    dev.dataTemplate.hasResourceProperties(TABLE, {
      GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('has the due-for-deletion index GSI2 the sweep queries', () => {
    expect(GLOBAL_INDEXES).toContain(GSI2);
    dev.dataTemplate.hasResourceProperties(TABLE, {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: 'GSI2',
          KeySchema: [
            { AttributeName: GSI2.partitionKey, KeyType: 'HASH' },
            { AttributeName: GSI2.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ]),
    });
  });

  it('streams new images of changed items, for the withdrawal function (no old images: no more personal data than needed)', () => {
    for (const s of [dev, prod]) {
      s.dataTemplate.hasResourceProperties(TABLE, { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    }
  });

  it('removes expired idempotency keys by their time to live', () => {
    for (const s of [dev, prod]) {
      s.dataTemplate.hasResourceProperties(TABLE, { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    }
  });

  it('is billed per request', () => {
    dev.dataTemplate.hasResourceProperties(TABLE, { BillingMode: 'PAY_PER_REQUEST' });
  });

  it('keeps the table only in the organisation region', () => {
    const [, table] = onlyResource(prod.dataTemplate, TABLE);

    expect((table.Properties?.Replicas as { Region: string }[]).map((r) => r.Region)).toEqual(['eu-west-1']);
  });

  it('has point-in-time recovery with the longest recovery window', () => {
    dev.dataTemplate.hasResourceProperties(TABLE, {
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: PITR_RECOVERY_DAYS },
        }),
      ],
    });
    expect(PITR_RECOVERY_DAYS).toBe(35);
  });

  it('keeps the log line of an erasure longer than a restore can reach back', () => {
    // logs.RetentionDays values are days.
    expect(ERASURE_LOG_RETENTION).toBeGreaterThanOrEqual(PITR_RECOVERY_DAYS);
  });

  it('encrypts the table with the customer-managed key of this stack', () => {
    const [keyId] = onlyResource(dev.dataTemplate, KEY);

    dev.dataTemplate.hasResourceProperties(TABLE, {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [Match.objectLike({ SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } } })],
    });
  });

  it('rotates the key', () => {
    dev.dataTemplate.hasResourceProperties(KEY, { EnableKeyRotation: true });
  });

  it("the key's policy lets the account administer it, and CloudWatch Logs use it for log groups of this account and region only", () => {
    const [, key] = onlyResource(prod.dataTemplate, KEY);
    const statements = (key.Properties?.KeyPolicy as { Statement: Statement[] }).Statement;

    expect(statements).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:*', Principal: { AWS: expect.anything() }, Resource: '*' }),
      {
        Sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
        Effect: 'Allow',
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:', { Ref: 'AWS::AccountId' }, ':log-group:*']],
            },
          },
        },
      },
    ]);
    // The account root statement is CDK's default: IAM policies of the account decide who administers the key.
    expect(JSON.stringify(statements[0]?.Principal)).toContain(':root');
  });

  it('outside dev, table and key survive a stack deletion and the table is deletion-protected', () => {
    const [, table] = onlyResource(prod.dataTemplate, TABLE);
    const [, key] = onlyResource(prod.dataTemplate, KEY);

    expect(table).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(key).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    prod.dataTemplate.hasResourceProperties(TABLE, {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
    expect(prod.data.terminationProtection).toBe(true);
  });

  it('in dev, table and key can be torn down', () => {
    const [, table] = onlyResource(dev.dataTemplate, TABLE);

    expect(table).toMatchObject({ DeletionPolicy: 'Delete' });
    dev.dataTemplate.hasResourceProperties(TABLE, {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
    });
    expect(dev.data.terminationProtection).toBe(false);
  });

  describe('footage bucket', () => {
    it('is encrypted with the customer-managed key of this stack, with S3 Bucket Keys', () => {
      const [keyId] = onlyResource(dev.dataTemplate, KEY);

      expect(footage(dev)[1].Properties?.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          },
        ],
      });
    });

    it('blocks every kind of public access and disables ACLs', () => {
      expect(footage(dev)[1].Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(footage(dev)[1].Properties?.AccessControl).toBeUndefined();
    });

    it('denies every request without TLS, for the bucket and its objects', () => {
      const [bucketId] = footage(dev);

      expect(policyOf(dev, bucketId)).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Resource: [
            { 'Fn::GetAtt': [bucketId, 'Arn'] },
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
          ],
        }),
      );
    });

    it('allows nobody anything through its bucket policy', () => {
      const [bucketId] = footage(dev);

      expect(policyOf(dev, bucketId).filter((st) => st.Effect !== 'Deny')).toEqual([]);
    });

    it('is not versioned, so that a delete is final (no old versions or delete markers stay behind)', () => {
      // Should it ever be versioned, noncurrent versions and delete markers must expire too (SPEC §6).
      for (const s of [dev, prod]) expect(footage(s)[1].Properties?.VersioningConfiguration).toBeUndefined();
    });

    it('expires uploads after a day, and incomplete multipart uploads anywhere after a day', () => {
      const rules = rulesOf(footage(dev));

      expect(rules).toContainEqual(expect.objectContaining({ Status: 'Enabled', Prefix: UPLOAD_PREFIX, ExpirationInDays: 1 }));
      const abort = rules.filter((r) => r.AbortIncompleteMultipartUpload);
      expect(abort).toEqual([
        expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      ]);
      expect(abort[0]?.Prefix).toBeUndefined();
      expect(abort[0]?.Filter).toBeUndefined();
    });

    it('expires data-subject exports (a copy of everything held about a child) after a day', () => {
      for (const s of [dev, prod]) {
        expect(rulesOf(footage(s)).filter((r) => r.Prefix === EXPORT_PREFIX)).toEqual([expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 1 })]);
      }
    });

    it('expires media as a backstop no later than three years (1095 days) after upload', () => {
      for (const s of [dev, prod]) {
        const media = rulesOf(footage(s)).filter((r) => r.Prefix === MEDIA_PREFIX);
        expect(media).toEqual([expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 1095 })]);
      }
    });

    it('shortens the media backstop to the longest retention the organisation sets', () => {
      const short = synth(configWith({ retentionYears: { parent_information: 1, coaching_video: 1, publication: 2 } }));

      expect(rulesOf(footage(short)).find((r) => r.Prefix === MEDIA_PREFIX)?.ExpirationInDays).toBe(730);
    });

    it('has no CORS rules: the apps are native, no browser reaches the bucket', () => {
      expect(footage(dev)[1].Properties?.CorsConfiguration).toBeUndefined();
    });

    it('logs every access to the access log bucket', () => {
      const [logBucketId] = accessLogs(dev);

      expect(footage(dev)[1].Properties?.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucketId },
        LogFilePrefix: expect.any(String),
      });
    });

    it('outside dev both buckets survive a stack deletion; in dev no custom resource empties them', () => {
      for (const bucket of [footage(prod), accessLogs(prod)]) {
        expect(bucket[1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
      expect(footage(dev)[1].DeletionPolicy).toBe('Delete');
      expect(resourcesOf(dev.dataTemplate, 'Custom::S3AutoDeleteObjects')).toEqual([]);
      expect(resourcesOf(dev.dataTemplate, 'AWS::Lambda::Function')).toEqual([]);
    });

    it('is handed to other stacks under fixed export names', () => {
      const [bucketId] = footage(dev);
      const outputs = dev.dataTemplate.toJSON().Outputs as Record<string, { Value: unknown; Export: { Name: string } }>;
      const exported = Object.values(outputs).map((o) => [o.Export.Name, o.Value]);

      expect(exported).toContainEqual([`${dev.data.stackName}:FootageBucketName`, { Ref: bucketId }]);
      expect(exported).toContainEqual([`${dev.data.stackName}:FootageBucketArn`, { 'Fn::GetAtt': [bucketId, 'Arn'] }]);
    });
  });

  describe('access log bucket', () => {
    it('is encrypted with S3-managed keys, private and TLS-only', () => {
      const [logBucketId, logBucket] = accessLogs(dev);

      expect(logBucket.Properties).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(policyOf(dev, logBucketId)).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('lets only S3 log delivery write, and only the footage bucket logs', () => {
      const [logBucketId] = accessLogs(dev);
      const [bucketId] = footage(dev);

      expect(policyOf(dev, logBucketId).filter((st) => st.Effect === 'Allow')).toEqual([
        expect.objectContaining({
          Action: 's3:PutObject',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Condition: {
            ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } },
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          },
        }),
      ]);
    });

    it('expires the logs', () => {
      const days = rulesOf(accessLogs(dev)).map((r) => r.ExpirationInDays);

      expect(days).toEqual([expect.any(Number)]);
      expect(days[0]).toBeLessThanOrEqual(365);
    });
  });
});
