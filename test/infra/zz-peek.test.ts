import { AwsSolutionsChecks } from 'cdk-nag';
import { configWith, resourcesOf, synth } from './support';
it('peek', () => {
  for (const stage of ['dev', 'prod'] as const) {
    const s = synth(configWith({ stage, alertEmail: 'ops@example.org' }));
    for (const stack of [s.data, s.api]) {
      const report = new AwsSolutionsChecks(stack).validateScope(stack);
      console.log(stage, stack.stackName, report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`));
    }
    if (stage === 'dev') {
      for (const t of ['AWS::Lambda::EventSourceMapping', 'AWS::Scheduler::Schedule', 'AWS::CloudWatch::Alarm', 'AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'AWS::SNS::Subscription', 'AWS::KMS::Key', 'AWS::Lambda::EventInvokeConfig'])
        console.log(t, JSON.stringify(resourcesOf(s.apiTemplate, t), null, 1));
      const roles = resourcesOf(s.apiTemplate, 'AWS::IAM::Policy').filter(([id]) => /Sweep|Withdrawal|Scheduler/.test(id));
      console.log(JSON.stringify(roles, null, 1));
    }
  }
});
