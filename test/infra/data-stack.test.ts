import { Match } from 'aws-cdk-lib/assertions';
import { GLOBAL_INDEXES, TABLE_KEYS } from '../../functions/shared/table-design';
import { PITR_RECOVERY_DAYS } from '../../infra/stacks/data-stack';
import { configWith, onlyResource, synth, type Synthesized } from './support';

const TABLE = 'AWS::DynamoDB::GlobalTable';
const KEY = 'AWS::KMS::Key';

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
});
