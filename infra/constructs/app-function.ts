import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GLOBAL_INDEXES } from '../../functions/shared/table-design';

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
}

/**
 * One Lambda function with the house defaults: Node.js 24 on ARM64, active tracing, JSON logs
 * into its own log group with a retention, source maps, explicit memory and timeout, and a role
 * that starts with nothing but writing to that log group. `bindTable` sets `TABLE_NAME` and
 * grants the least privilege for the access level in one call.
 */
export class AppFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** What the function's environment holds, to refuse silent overwrites. */
  private readonly env: Map<string, string>;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: FUNCTION_LOG_RETENTION });

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
   * actions of `access` on the table and on its indexes (Query only), and the matching key actions
   * through DynamoDB.
   */
  bindTable(table: ITableV2, access: TableAccess): void {
    this.setEnvironment('TABLE_NAME', table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [table.tableArn] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: GLOBAL_INDEXES.map((index) => `${table.tableArn}/index/${index.indexName}`),
      }),
    );
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
}
