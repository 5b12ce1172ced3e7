import { App, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AppFunction } from '../../infra/constructs/app-function';
import { ObjectCreatedNotification } from '../../infra/constructs/object-created-notification';

function arrange() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { region: 'eu-central-1' } });
  const fn = new AppFunction(stack, 'Fn', { handler: 'media/object-created' });
  const bucket = { bucketName: Fn.importValue('Data:FootageBucketName'), bucketArn: Fn.importValue('Data:FootageBucketArn') };
  return { stack, fn, bucket };
}

describe('ObjectCreatedNotification', () => {
  it('keeps the AWS managed policy off the handler role, and cdk-nag has nothing to say about it', () => {
    const { stack, fn, bucket } = arrange();

    const notification = new ObjectCreatedNotification(stack, 'Notification', { bucket, target: fn.fn, prefix: 'uploads/' });

    const roleId = stack.getLogicalId(notification.handlerRole.node.defaultChild as iam.CfnRole);
    expect(Template.fromStack(stack).toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    expect(new AwsSolutionsChecks(stack).validateScope(stack).violations).toEqual([]);
  });

  it('refuses any managed policy other than the one it replaces', () => {
    const { stack, fn, bucket } = arrange();
    const notification = new ObjectCreatedNotification(stack, 'Notification', { bucket, target: fn.fn, prefix: 'uploads/' });

    expect(() =>
      notification.handlerRole.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')),
    ).toThrow(/refusing managed policy/);
  });

  it('refuses a second one in the same stack: aws-cdk-lib shares one handler per stack', () => {
    const { stack, fn, bucket } = arrange();
    new ObjectCreatedNotification(stack, 'First', { bucket, target: fn.fn, prefix: 'uploads/' });

    expect(() => new ObjectCreatedNotification(stack, 'Second', { bucket, target: fn.fn, prefix: 'media/' })).toThrow(
      /one ObjectCreatedNotification per stack/,
    );
  });
});
