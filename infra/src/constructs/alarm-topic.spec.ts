import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlarmTopic } from './alarm-topic';

function build() {
  const stack = new Stack(new App(), 'Test', { env: { account: '222222222222', region: 'eu-west-1' } });
  const alarms = new AlarmTopic(stack, 'Alarms');
  return { stack, alarms, template: Template.fromStack(stack) };
}

describe('AlarmTopic', () => {
  it('encrypts the topic with its own key, rotated yearly, which it exposes', () => {
    // GIVEN / WHEN an alarm topic
    const { stack, alarms, template } = build();

    // THEN the topic names the exposed key, and the key rotates
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', Match.objectLike({ EnableKeyRotation: true }));
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'Gantry alarms',
      KmsMasterKeyId: stack.resolve(alarms.key.keyArn),
    });
    expect(alarms.topic.masterKey).toBe(alarms.key);
  });

  it("lets CloudWatch publish for the stack's account only, and refuses publishing without TLS", () => {
    // GIVEN / WHEN an alarm topic in account 222222222222
    const { stack, alarms, template } = build();

    // THEN the topic policy denies plain HTTP and allows CloudWatch under that account's condition
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [stack.resolve(alarms.topic.topicArn)],
      PolicyDocument: Match.objectLike({
        Statement: [
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: stack.resolve(alarms.topic.topicArn),
            Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
          },
        ],
      }),
    });
  });
});
