/**
 * Stateful resources: the customer-managed key, the one DynamoDB table and the footage bucket
 * (with the bucket that receives its access logs). Nothing here may be lost by a careless deploy,
 * so outside `dev` all of it is retained and the table is deletion-protected.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import { EXPORT_PREFIX, MEDIA_PREFIX, UPLOAD_PREFIX } from '../../functions/shared/bucket-layout';
import { GLOBAL_INDEXES, STREAM_VIEW_TYPE, TABLE_KEYS, TTL_ATTRIBUTE } from '../../functions/shared/table-design';
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

/**
 * The log retention of a function that erases a child's data. A point-in-time restore rolls the
 * table back, erasures and their records included; the structured line each erasure writes (ids
 * only) is how an operator finds the erasures to apply again, so it must outlive the recovery
 * window (README, "Point-in-time recovery and erasure"). Other functions keep FUNCTION_LOG_RETENTION.
 */
export const ERASURE_LOG_RETENTION = logs.RetentionDays.TWO_MONTHS;

/** SPEC §6: "Uploads that never completed are removed within a day." S3 counts whole days. */
export const UPLOAD_EXPIRY_DAYS = 1;

/** Export documents live a day: long enough to fetch, as short as S3 lifecycle allows. */
export const EXPORT_EXPIRY_DAYS = 1;

/**
 * The lifecycle backstop for footage below the media prefix: the longest retention period of the
 * organisation, counted in 365-day years from the upload. S3 cannot count from `recordedAt`, which
 * lies before the upload, so the sweep (counting calendar years from `recordedAt`) is the
 * authority; this rule only catches what the sweep missed. 365-day years never reach past the
 * calendar years of SPEC §6 (three years: 1095 days), whatever leap days lie in between.
 */
export function mediaBackstopDays(retentionYears: Readonly<Record<string, number>>): number {
  return Math.max(...Object.values(retentionYears)) * 365;
}

/**
 * S3 server access logs: who read, wrote or deleted which object from where (including uses of
 * pre-signed URLs, which the audit trail only records as issued). A leaked download URL or a
 * deletion that did not happen may be noticed late, so a year, then they go (minimisation: the
 * lines carry requester IPs and object keys).
 */
export const ACCESS_LOG_EXPIRY_DAYS = 365;

/**
 * How another stack reaches the footage bucket: its name and ARN under fixed export names, and the
 * key that encrypts it. Import it there with `s3.Bucket.fromBucketAttributes`.
 */
export interface FootageBucketAttributes {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly encryptionKey: kms.IKey;
}

/** Stateful stack: the customer-managed KMS key, the single table and the footage bucket; handed to the API stack by props. */
export class DataStack extends Stack {
  readonly key: kms.Key;
  readonly table: dynamodb.TableV2;
  /** Footage: uploads below `UPLOAD_PREFIX`, completed media below `MEDIA_PREFIX`. */
  readonly bucket: s3.Bucket;
  /** Receives the server access logs of the footage bucket. */
  readonly accessLogBucket: s3.Bucket;
  /** The footage bucket for other stacks. */
  readonly footage: FootageBucketAttributes;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    // Grant S3 log delivery by bucket policy, not by the LogDeliveryWrite ACL that this CDK version
    // uses by default: ACLs are disabled on our buckets (BUCKET_OWNER_ENFORCED). Set on this stack,
    // before any child exists, so that it holds here whatever cdk.json says.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const keep = props.config.stage !== 'dev';
    const removalPolicy = keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new kms.Key(this, 'DataKey', {
      description: `Beeldtoestemming ${props.config.organisationId} (${props.config.stage}): data at rest`,
      enableKeyRotation: true,
      // A deleted key makes every backup unreadable: keep it wherever the data is kept.
      removalPolicy,
    });
    // The functions' log groups and the API access logs (API stack) are encrypted with this key too.
    // CloudWatch Logs uses the key itself, with the log group's ARN as encryption context: the
    // statement AWS documents, limited to log groups of this account and region. It names no log
    // group of the API stack, so this stack does not depend on that one.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': this.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

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
      // SPEC §5: a withdrawal reaches the footage within minutes through the stream (the API stack's
      // withdrawal function, filtered to new withdrawal events). New images are all it reads; old
      // images would only put more personal data into the stream. Records live 24 hours.
      dynamoStream: dynamodb.StreamViewType[STREAM_VIEW_TYPE],
      // Idempotency keys of retried requests expire a day after they were first used.
      timeToLiveAttribute: TTL_ATTRIBUTE,
      globalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });

    // In dev both buckets go with the stack, but CloudFormation deletes a bucket only when it is
    // empty: emptying it stays a deliberate act. `autoDeleteObjects` would do it for us through a
    // custom-resource Lambda (an extra function with a managed policy) that we do not want.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      // S3-managed keys: log delivery then needs no grant on the customer-managed key (that would
      // take a key policy statement for logging.s3.amazonaws.com), and the logs hold no footage.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_EXPIRY_DAYS) }],
      removalPolicy,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the target of the footage bucket server access logs. Logging it to itself would log every ' +
        'log delivery (AWS advises against it), and logging it to a third bucket would only move this finding there.',
    });

    this.bucket = new s3.Bucket(this, 'FootageBucket', {
      // SSE-KMS with this stack's key (SPEC §8). Bucket Keys cut the KMS requests per object, and make
      // the bucket ARN the encryption context that the functions' key grants are conditioned on.
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // A bucket policy denies every request without TLS (aws:SecureTransport false), and TLS < 1.2.
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // No ACLs: every object belongs to this account, whoever uploaded it.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Not versioned, on purpose: SPEC §6 wants deleted footage gone. On a versioned bucket a
      // delete only adds a delete marker and keeps the old version, so deletion would become final
      // only through noncurrent-version and delete-marker expiry rules, after their delay.
      // Nothing here needs versions: an upload is written once, then moved below the media prefix.
      versioned: false,
      // No CORS: the staff tablets and the parents' app are native apps, which do not enforce CORS,
      // and no web page may upload to or read from this bucket from a browser.
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'footage/',
      lifecycleRules: [
        {
          id: 'expire-uploads',
          prefix: UPLOAD_PREFIX,
          expiration: Duration.days(UPLOAD_EXPIRY_DAYS),
        },
        {
          // Parts of an upload that never completed are stored (and billed) but invisible.
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(UPLOAD_EXPIRY_DAYS),
        },
        {
          // A data-subject export is a copy of everything held about a child: fetched right away
          // through a URL of minutes, then gone. An erasure removes the child's exports at once.
          id: 'expire-exports',
          prefix: EXPORT_PREFIX,
          expiration: Duration.days(EXPORT_EXPIRY_DAYS),
        },
        {
          id: 'expire-media-backstop',
          prefix: MEDIA_PREFIX,
          expiration: Duration.days(mediaBackstopDays(props.config.retentionYears)),
        },
      ],
      removalPolicy,
    });

    // Named exports rather than CDK's automatic cross-stack references: the consumer's templates
    // then spell the ARN as `{"Fn::ImportValue": "<stack>:FootageBucketArn"}`, which lets a
    // function's prefix grant be acknowledged for cdk-nag under its exact name (see
    // AppFunction.bindBucket). They are Export/ImportValue pairs all the same, so CloudFormation
    // refuses to remove the bucket while another stack uses it, like the table.
    this.footage = {
      bucketName: this.exportValue(this.bucket.bucketName, { name: `${this.stackName}:FootageBucketName` }),
      bucketArn: this.exportValue(this.bucket.bucketArn, { name: `${this.stackName}:FootageBucketArn` }),
      encryptionKey: this.key,
    };
  }
}
