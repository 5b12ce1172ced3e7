import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnGlobalTable, type ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GLOBAL_INDEXES, GSI1 } from '../../functions/shared/table-design';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** What a function may do with the table: `read` for GET routes, `readwrite` for everything else. */
export type TableAccess = 'read' | 'readwrite';

/**
 * DynamoDB actions per access level. No Scan (STYLE: Query, never Scan) and no BatchWriteItem
 * (writes that must agree go in TransactWriteItems, which is authorised per contained
 * Put/Update/Delete/ConditionCheck action, not by an action of its own).
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  readwrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
};

/**
 * KMS actions on the table's customer-managed key, only through DynamoDB (`kms:ViaService`).
 * These are the key actions of aws-cdk-lib's own `grantReadData`/`grantReadWriteData`, minus their
 * wildcards (`kms:ReEncrypt*`, `kms:GenerateDataKey*`): re-encryption and the other data-key
 * variants are not part of item reads and writes. Not yet proven against a live account: should
 * a write ever fail with a KMS AccessDenied, compare with those CDK grants first.
 */
export const KEY_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  readwrite: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
};

/** The name of a global index of functions/shared/table-design.ts. */
export type IndexName = (typeof GLOBAL_INDEXES)[number]['indexName'];

/**
 * The indexes a function may Query unless it asks for others: GSI1 (a guardian's children, the
 * groups, a group's media) serves the routes. GSI2 (items due for deletion) is for the sweep only.
 */
export const DEFAULT_INDEXES: readonly IndexName[] = [GSI1.indexName];

/**
 * Object actions a function may be granted on a prefix of the footage bucket. Nothing on the
 * bucket itself (no List, no configuration): functions address objects by keys they already know.
 * - `s3:GetObject` also authorises HeadObject, and the read of the source of a CopyObject;
 * - `s3:PutObject` also authorises the write of a CopyObject's target, and a pre-signed PUT
 *   (which S3 authorises as the signer when the upload arrives);
 * - `s3:DeleteObject` also authorises each key of a DeleteObjects (multi-object delete).
 */
export type ObjectAction = 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject';

/** `actions` on every object below `prefix` (which ends in `/`), and on nothing else. */
export interface BucketGrant {
  prefix: string;
  actions: readonly ObjectAction[];
}

/**
 * KMS actions S3 takes on the caller's behalf for SSE-KMS objects: GenerateDataKey to write an
 * object (PutObject, a copy's target), Decrypt to read one (GetObject, a copy's source). HeadObject
 * and DeleteObject do not use the key. Nothing here for multipart uploads (they also need Decrypt):
 * the functions upload in one PutObject and the tablets in one pre-signed PUT. kms:Encrypt is left
 * out: for SSE-KMS S3 asks for a data key, it does not call Encrypt. Like KEY_ACTIONS, not yet
 * proven against a live account: should a write fail with a KMS AccessDenied, compare with
 * aws-cdk-lib's `grantPut`/`grantRead` (kms:Encrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Decrypt).
 */
export const OBJECT_KEY_ACTIONS: Record<ObjectAction, readonly string[]> = {
  's3:GetObject': ['kms:Decrypt'],
  's3:PutObject': ['kms:GenerateDataKey'],
  's3:DeleteObject': [],
};

/**
 * How cdk-nag spells a resource in a finding id such as `AwsSolutions-IAM5[Resource::...]`: the
 * resolved value with `Fn::Join` joined, `Fn::ImportValue` replaced by the export name, and `Ref`
 * and `Fn::GetAtt` written as `<Id>` and `<Id.Attribute>` (cdk-nag's flattenCfnReference).
 */
export function nagResourceName(stack: Stack, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const o = (node ?? {}) as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return visit(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(resource)}.${visit(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return visit(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${visit(o.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(stack.resolve(value));
}

/**
 * Application logs carry ids and codes only (see functions/shared/logger.ts), are for operating the
 * service, not for accountability (the audit trail is in the table), and data minimisation asks
 * for a short life: one month is enough to investigate an incident that was noticed in time.
 */
export const FUNCTION_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

export interface AppFunctionProps {
  /** Handler module below `functions/`, without `.handler.ts`, e.g. `consent/record-decision`. */
  handler: string;
  description?: string;
  /** Merged over the defaults; a key given here wins over a default of the same name. */
  environment?: Record<string, string>;
  /** @default 512 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
  /** Retries of an asynchronous invocation (S3 notifications); only for functions invoked that way. */
  retryAttempts?: number;
  /** How long an asynchronous invocation may wait (throttled, or between retries) before it is given up. */
  maxEventAge?: Duration;
  /** Where an asynchronous invocation goes when its retries are used up, so that no failure vanishes. */
  deadLetterQueue?: IQueue;
  /** Caps (and reserves) the function's concurrency; `1` makes invocations run one at a time. */
  reservedConcurrentExecutions?: number;
  /**
   * Encrypts the function's log group. The key's policy must let CloudWatch Logs of this account
   * and region use it (the data stack's key does).
   */
  logEncryptionKey?: kms.IKey;
  /** What happens to the log group when the stack is deleted. @default RETAIN (aws-cdk-lib's default) */
  logRemovalPolicy?: RemovalPolicy;
  /** @default FUNCTION_LOG_RETENTION; longer only with a reason (e.g. ERASURE_LOG_RETENTION in the data stack). */
  logRetention?: logs.RetentionDays;
}

/**
 * One Lambda function with the house defaults: Node.js 24 on ARM64, active tracing, JSON logs
 * into its own log group with a retention, source maps, explicit memory and timeout, and a role
 * that starts with nothing but writing to that log group. `bindTable` sets `TABLE_NAME` and
 * grants the least privilege for the access level in one call; `bindBucket` does the same for
 * `BUCKET_NAME` and the footage bucket.
 */
export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** What the function's environment holds, to refuse silent overwrites. */
  private readonly env: Map<string, string>;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? FUNCTION_LOG_RETENTION,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // Our own role instead of the default one with the AWSLambdaBasicExecutionRole managed policy,
    // which may write to every log group in the account: this one may write only to its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.handler}`,
    });
    this.logGroup.grantWrite(this.role);

    this.env = new Map(
      Object.entries({
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...props.environment,
      }),
    );

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'functions', `${props.handler}.handler.ts`),
      handler: 'handler',
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      // AwsSolutions-L1 asks for the latest Node.js runtime; the AWS SDK needs Node >= 22 from 2027.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      ...(props.maxEventAge ? { maxEventAge: props.maxEventAge } : {}),
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      ...(props.description ? { description: props.description } : {}),
      environment: Object.fromEntries(this.env),
      bundling: {
        minify: true,
        sourceMap: true,
        // Stack traces still map to file and line; the sources themselves need not ship.
        sourcesContent: false,
        // CommonJS: bundled dependencies that `require()` Node built-ins work as they are, and no
        // handler needs top-level await. ESM would need a createRequire banner for no gain here.
        format: OutputFormat.CJS,
        // Prefer packages' ES module builds so esbuild can tree-shake the AWS SDK.
        mainFields: ['module', 'main'],
        // Bundle the AWS SDK instead of using the runtime's copy: the function then runs exactly
        // the SDK version the tests ran against (package-lock.json), not whatever version Lambda
        // ships that month. This includes the checksum behaviour TOOLCHAIN.md pins for S3.
        bundleAwsSDK: true,
      },
    });

    // Only the tracing statement may use `*`: test/infra asserts that of every role.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no ' +
        'resource-level permissions (https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html).',
    });
  }

  /** Sets an environment variable; refuses to change one that is already set to something else. */
  setEnvironment(key: string, value: string): void {
    const current = this.env.get(key);
    if (current !== undefined && current !== value) {
      throw new Error(`${this.node.path}: environment variable ${key} is already set; refusing to overwrite it`);
    }
    this.env.set(key, value);
    this.fn.addEnvironment(key, value);
  }

  /**
   * Lets this function use `table` and tells it the table's name (`TABLE_NAME`). Grants only the
   * actions of `access` on the table, Query on the named `indexes` (GSI1 unless others are named),
   * and the matching key actions through DynamoDB.
   */
  bindTable(table: ITableV2, access: TableAccess, indexes: readonly IndexName[] = DEFAULT_INDEXES): void {
    this.setEnvironment('TABLE_NAME', table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [table.tableArn] }),
    );
    if (indexes.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [...new Set(indexes)].map((name) => `${table.tableArn}/index/${name}`),
        }),
      );
    }
    if (table.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...KEY_ACTIONS[access]],
          resources: [table.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
  }

  /**
   * Lets Lambda read the stream of `table` for this function (an event source mapping polls it
   * with the function's role) and returns the stream's ARN. The stream actions, on this stream
   * only: what aws-cdk-lib's `TableV2.grantStreamRead` grants, without its key grant, which has no
   * `kms:ViaService` condition. The key actions reading needs (kms:Decrypt through DynamoDB) come
   * with `bindTable`, which such a function needs anyway. Not yet proven against a live account:
   * should the mapping fail with a KMS AccessDenied, compare with `grantStreamRead` first.
   */
  bindTableStream(table: ITableV2): string {
    // A TableV2 always names a stream ARN, also without a stream: ask its CloudFormation resource.
    const cfn = table.node.defaultChild;
    const streamed = cfn instanceof CfnGlobalTable ? Stack.of(cfn).resolve(cfn.streamSpecification) !== undefined : true;
    const streamArn = table.tableStreamArn;
    if (!streamArn || !streamed) throw new Error(`${this.node.path}: the table has no stream; enable it in the data stack`);
    if (!this.env.has('TABLE_NAME')) throw new Error(`${this.node.path}: bind the table (bindTable) before its stream`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
        resources: [streamArn],
      }),
    );
    return streamArn;
  }

  /**
   * Lets this function use the objects below some prefixes of `bucket` and tells it the bucket's
   * name (`BUCKET_NAME`). Grants exactly the actions of each grant on `<prefix>*`, nothing on the
   * bucket itself; with no grants the function knows the bucket but may not touch it. When the
   * bucket is encrypted with a customer-managed key, grants the key actions those object actions
   * need, only through S3 in this region and only for this bucket: with S3 Bucket Keys enabled the
   * encryption context S3 passes to KMS is the bucket ARN (an object ARN without Bucket Keys, which
   * would need `<bucket ARN>/*` in the condition instead).
   */
  bindBucket(bucket: IBucket, grants: readonly BucketGrant[]): void {
    if (Construct.isConstruct(bucket) && Stack.of(bucket) !== Stack.of(this)) {
      // Through an automatic cross-stack reference the ARN is only named when the app is prepared,
      // too late to acknowledge the grant below under the name cdk-nag will report.
      throw new Error(`${this.node.path}: import the bucket into this stack (Bucket.fromBucketAttributes) before binding it`);
    }
    for (const grant of grants) {
      // A prefix that does not end in '/' would also match its siblings ('media' matches 'media-x/'),
      // and an empty one is the whole bucket.
      if (!/^[A-Za-z0-9._-]+\/$/.test(grant.prefix)) {
        throw new Error(`${this.node.path}: bucket grant prefix "${grant.prefix}" must be a folder like "uploads/"`);
      }
      if (grant.actions.length === 0) throw new Error(`${this.node.path}: bucket grant on ${grant.prefix} names no action`);
    }
    this.setEnvironment('BUCKET_NAME', bucket.bucketName);
    for (const grant of grants) {
      const objects = bucket.arnForObjects(`${grant.prefix}*`);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...new Set(grant.actions)], resources: [objects] }));
      // Object keys are media ids chosen at upload, so an object grant needs a wildcard. This one
      // covers one prefix of one bucket for the named actions only, and is acknowledged for
      // exactly that resource: a wildcard anywhere else is still reported.
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResourceName(Stack.of(this), objects)}]`,
        reason:
          `Objects below ${grant.prefix} are named by media ids that exist only at run time; the grant is limited to ` +
          `that prefix of the footage bucket and to ${[...new Set(grant.actions)].join(', ')} (infra/stacks/api-stack.ts BUCKET_ACCESS).`,
      });
    }
    const keyActions = [...new Set(grants.flatMap((g) => g.actions.flatMap((a) => OBJECT_KEY_ACTIONS[a])))];
    if (bucket.encryptionKey && keyActions.length > 0) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: keyActions,
          resources: [bucket.encryptionKey.keyArn],
          conditions: {
            StringEquals: {
              'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com`,
              'kms:EncryptionContext:aws:s3:arn': bucket.bucketArn,
            },
          },
        }),
      );
    }
  }
}
