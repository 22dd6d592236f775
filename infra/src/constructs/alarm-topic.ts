import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /**
   * Display name of the topic (the sender of its e-mails).
   * @default 'Gantry alarms'
   */
  readonly displayName?: string;
}

/**
 * The one topic every Gantry alarm notifies: encrypted with its own rotated KMS key (CloudWatch cannot publish to a
 * topic under the AWS-managed SNS key), HTTPS-only, and open to CloudWatch alarms of this account alone.
 */
export class AlarmTopic extends Construct {
  public readonly key: kms.Key;
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the Gantry alarm topic',
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName ?? 'Gantry alarms',
      masterKey: this.key,
      enforceSSL: true,
    });

    // Only this account's alarms may publish; the topic policy's source-account condition keeps others out.
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // SNS encrypts with the publisher's rights, so CloudWatch needs the key as AWS documents it for alarm topics.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsEncrypt',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
}
