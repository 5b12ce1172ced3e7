/**
 * Where the alarms of a deployment go: one SNS topic, encrypted and TLS-only, with an email
 * subscription when the organisation's settings name an address (`alertEmail`). Without one the
 * topic has no subscriber: the alarms still change state in CloudWatch, and someone can subscribe
 * to the topic by hand.
 *
 * The topic has a key of its own. CloudWatch alarms cannot publish to a topic encrypted with the
 * AWS managed key `alias/aws/sns`: that key's policy cannot be changed to let CloudWatch use it, so
 * the alarm action fails ("not authorized to access the SNS topic's encryption key"). The data
 * stack's key is no candidate either: it protects the children's data, and CloudWatch has no
 * business with it. This key encrypts alert messages in flight and nothing else.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const CLOUDWATCH = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

export interface AlertsProps {
  /** Receives every alarm by email; absent: the topic has no subscription. */
  email?: string;
  description: string;
}

export interface AlarmOptions {
  metric: cloudwatch.IMetric;
  /** What it means when the alarm fires, and what to do: the alarm description. */
  description: string;
  /** @default 1 */
  threshold?: number;
  /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  comparisonOperator?: cloudwatch.ComparisonOperator;
  /** @default 1 */
  evaluationPeriods?: number;
  /** @default evaluationPeriods */
  datapointsToAlarm?: number;
  /** @default NOT_BREACHING: no data means nothing happened */
  treatMissingData?: cloudwatch.TreatMissingData;
}

/** The alerts topic and its key; `alarm` adds an alarm that notifies it. */
export class Alerts extends Construct {
  readonly key: kms.Key;
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: `${props.description}: alert messages`,
      enableKeyRotation: true,
      // Nothing stays encrypted under this key once a message is delivered: it may go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // What CloudWatch needs to publish to a topic encrypted with a customer managed key, as AWS
    // documents it (SNS asks KMS for a data key on the publisher's behalf).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [CLOUDWATCH],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.description,
      masterKey: this.key,
      // A topic policy that denies every request without TLS (aws:SecureTransport false).
      enforceSSL: true,
    });
    // With a topic policy in place, CloudWatch may publish only when the policy says so: alarms
    // of this account and region, nobody else's.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisAccount',
        principals: [CLOUDWATCH],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /**
   * An alarm that notifies the topic; by default when `metric` reaches `threshold` (default 1) in
   * one period, no data meaning nothing happened (not breaching).
   */
  alarm(id: string, options: AlarmOptions): cloudwatch.Alarm {
    const evaluationPeriods = options.evaluationPeriods ?? 1;
    const alarm = new cloudwatch.Alarm(this, id, {
      metric: options.metric,
      alarmDescription: options.description,
      threshold: options.threshold ?? 1,
      evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm ?? evaluationPeriods,
      comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    return alarm;
  }

  /** An alarm on messages waiting in a dead-letter queue: each one is a failure nobody has looked at. */
  deadLettersAlarm(id: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
    return this.alarm(id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      description,
    });
  }
}
