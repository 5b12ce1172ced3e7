/**
 * S3 `ObjectCreated` notifications of a bucket owned by another stack (the data stack), delivered
 * to a function of this stack.
 *
 * Why this shape, and not one of the obvious ones:
 * - `bucket.addEventNotification` on the data stack's bucket puts the notification custom resource
 *   and the Lambda permission into the data stack, which then needs the function's ARN from the API
 *   stack while the API stack needs the table and the bucket from the data stack: a cycle.
 * - `NotificationConfiguration` on the data stack's bucket (L1) with a function ARN built from a
 *   fixed name avoids the reference, but S3 validates the destination when the configuration is
 *   set: the data stack could not be deployed before the function exists, nor the function before
 *   the data stack.
 * - The function in the data stack: it needs the sign-in settings of the API stack (a cycle again),
 *   and code does not belong in the stack we protect from careless deploys.
 * - EventBridge: the handler consumes S3 notification records (`Records[]`), not EventBridge events.
 *
 * So the bucket is imported into this stack by name and ARN, a one-way reference (API -> data), and
 * aws-cdk-lib's notifications custom resource runs here with `Managed: false`: it adds and removes
 * only the notification configurations it created. The data stack's template never sets a
 * `NotificationConfiguration`, so updating the data stack leaves these notifications alone.
 *
 * The custom resource's handler is aws-cdk-lib's inline Python function, one per stack. By default
 * its role gets the AWSLambdaBasicExecutionRole managed policy (create and write any log group in
 * the account) and its logs never expire. Here it gets a role of ours that writes only to the
 * handler's own log group, which has a retention. Its other permissions are aws-cdk-lib's own:
 * s3:GetBucketNotification and s3:PutBucketNotification on this bucket only.
 */
import { CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { FUNCTION_LOG_RETENTION } from './app-function';

/** The construct id prefix aws-cdk-lib gives its per-stack notifications handler. */
export const NOTIFICATIONS_HANDLER_ID_PREFIX = 'BucketNotificationsHandler';

const BASIC_EXECUTION_POLICY = ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * A role that leaves out the AWSLambdaBasicExecutionRole managed policy aws-cdk-lib adds to the
 * notifications handler's role (the log group grant replaces it), and refuses any other.
 */
class HandlerRole extends iam.Role {
  override addManagedPolicy(policy: iam.IManagedPolicy): void {
    const arn = JSON.stringify(Stack.of(this).resolve(policy.managedPolicyArn));
    if (!arn.includes(BASIC_EXECUTION_POLICY)) {
      throw new Error(`${this.node.path}: refusing managed policy ${arn}; grant what the handler needs inline`);
    }
  }
}

export interface ObjectCreatedNotificationProps {
  /** The bucket of another stack, by name and ARN. */
  bucket: Pick<s3.BucketAttributes, 'bucketName' | 'bucketArn'>;
  /** Invoked asynchronously by S3 for every object created below `prefix`. */
  target: lambda.IFunction;
  /** A key prefix such as `uploads/`. */
  prefix: string;
  /** Encrypts the handler's log group (see AppFunction). */
  logEncryptionKey?: kms.IKey;
  /** @default RETAIN */
  logRemovalPolicy?: RemovalPolicy;
}

/** Invokes `target` for every object created below `prefix` of `bucket`. At most one per stack. */
export class ObjectCreatedNotification extends Construct {
  /** The role of aws-cdk-lib's notifications handler. */
  readonly handlerRole: iam.Role;
  /** The log group of aws-cdk-lib's notifications handler. */
  readonly handlerLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ObjectCreatedNotificationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (stack.node.children.some((c) => c.node.id.startsWith(NOTIFICATIONS_HANDLER_ID_PREFIX))) {
      throw new Error(`${this.node.path}: the stack already has a bucket notifications handler; use one ObjectCreatedNotification per stack`);
    }

    this.handlerRole = new HandlerRole(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Runs the aws-cdk-lib handler that sets S3 bucket notifications',
    });
    const bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', {
      bucketName: props.bucket.bucketName,
      bucketArn: props.bucket.bucketArn,
      notificationsHandlerRole: this.handlerRole,
    });
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(props.target), {
      prefix: props.prefix,
    });

    const handlers = stack.node
      .findAll()
      .filter(
        (c): c is CfnResource =>
          CfnResource.isCfnResource(c) &&
          c.cfnResourceType === 'AWS::Lambda::Function' &&
          (c.node.scope?.node.id.startsWith(NOTIFICATIONS_HANDLER_ID_PREFIX) ?? false),
      );
    const [handler] = handlers;
    if (handlers.length !== 1 || !handler) {
      throw new Error(`${this.node.path}: expected aws-cdk-lib's notifications handler, found ${handlers.length}`);
    }
    this.handlerLogGroup = new logs.LogGroup(this, 'HandlerLogs', {
      retention: FUNCTION_LOG_RETENTION,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.handlerLogGroup.grantWrite(this.handlerRole);
    handler.addPropertyOverride('LoggingConfig', { LogGroup: this.handlerLogGroup.logGroupName });
  }
}
