/**
 * Stateful resources: the customer-managed key and the one DynamoDB table. Nothing here may be
 * lost by a careless deploy, so outside `dev` the table is retained and deletion-protected.
 */
import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { GLOBAL_INDEXES, TABLE_KEYS } from '../../functions/shared/table-design';
import type { OrganisationConfig } from '../config';

export interface DataStackProps extends StackProps {
  config: OrganisationConfig;
}

/**
 * DynamoDB keeps continuous backups for at most 35 days. We take the maximum: a consent ledger
 * that was damaged (a bad deploy, a wrong admin action) may be noticed only weeks later, and the
 * cost of PITR depends on the table size, not on the recovery window.
 */
export const PITR_RECOVERY_DAYS = 35;

/** Stateful stack: one customer-managed KMS key and the single table; handed to the API stack by props. */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const keep = props.config.stage !== 'dev';
    const removalPolicy = keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new kms.Key(this, 'DataKey', {
      description: `Beeldtoestemming ${props.config.organisationId} (${props.config.stage}): data at rest`,
      enableKeyRotation: true,
      // A deleted key makes every backup unreadable: keep it wherever the data is kept.
      removalPolicy,
    });

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: PITR_RECOVERY_DAYS,
      },
      deletionProtection: keep,
      removalPolicy,
      globalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });

    // Seam for the media issue: the footage bucket (versioned, KMS with this key, TLS-only,
    // lifecycle backstop from `config.retentionYears`) belongs in this stack, next to the table.
  }
}
