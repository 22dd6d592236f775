import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { NOT_FOUND_BODY } from '@gantry/service-catalog';
import { NetworkStack } from './network-stack';
import { PlatformStack, serviceConnectNamespaceName } from './platform-stack';

const env = { account: '111111111111', region: 'eu-west-1' };
const CERT = 'arn:aws:acm:eu-west-1:111111111111:certificate/abc-123';

function platform(certificateArn?: string, domainName?: string): PlatformStack {
  const app = new App();
  const network = new NetworkStack(app, 'Network', { env });
  return new PlatformStack(app, 'Platform', { env, vpc: network.vpc, certificateArn, domainName });
}

describe('PlatformStack', () => {
  describe('without a certificate', () => {
    const stack = platform();
    const template = Template.fromStack(stack);

    it('serves plain HTTP on 80 with a JSON 404 default action and no HTTPS listener', () => {
      // GIVEN a platform with no certificate ARN (built above)
      // WHEN its template is read
      // THEN there is one listener, HTTP:80, whose default is the shared 404 body
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
      template.hasResourceProperties(
        'AWS::ElasticLoadBalancingV2::Listener',
        Match.objectLike({
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [
            Match.objectLike({
              Type: 'fixed-response',
              FixedResponseConfig: { StatusCode: '404', ContentType: 'application/json', MessageBody: NOT_FOUND_BODY },
            }),
          ],
        }),
      );
      expect(stack.https).toBe(false);
    });

    it('has a Container Insights cluster and an internet-facing ALB logging to S3', () => {
      // GIVEN / WHEN the same template
      // THEN insights are on and access logs go to the platform's bucket
      template.hasResourceProperties(
        'AWS::ECS::Cluster',
        Match.objectLike({
          ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
        }),
      );
      template.hasResourceProperties(
        'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Match.objectLike({
          Scheme: 'internet-facing',
          LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
        }),
      );
    });

    it('publishes the ALB base URL in SSM for the smoke test, and as a stack output', () => {
      // GIVEN / WHEN the same template
      // THEN /gantry/dev/platform/url holds http://<alb dns>
      const dns = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Alb'), 'DNSName'] };
      template.hasResourceProperties(
        'AWS::SSM::Parameter',
        Match.objectLike({
          Name: '/gantry/dev/platform/url',
          Type: 'String',
          Value: { 'Fn::Join': ['', ['http://', dns]] },
        }),
      );
      template.hasOutput('Url', Match.objectLike({ Value: { 'Fn::Join': ['', ['http://', dns]] } }));
    });

    it("names the cluster gantry-<env>, which the Deploy role's migrate step addresses without a lookup", () => {
      // GIVEN / WHEN the same template
      // THEN the one cluster is gantry-dev
      template.resourceCountIs('AWS::ECS::Cluster', 1);
      template.hasResourceProperties('AWS::ECS::Cluster', { ClusterName: 'gantry-dev' });
    });

    it('gives the cluster an HTTP Cloud Map namespace per environment, the Service Connect default', () => {
      // GIVEN / WHEN the same template (envName defaults to dev)
      // THEN there is one namespace, gantry-dev, with no Route 53 zone, and the cluster's Service Connect uses it
      template.resourceCountIs('AWS::ServiceDiscovery::HttpNamespace', 1);
      template.resourceCountIs('AWS::ServiceDiscovery::PrivateDnsNamespace', 0);
      template.hasResourceProperties('AWS::ServiceDiscovery::HttpNamespace', {
        Name: serviceConnectNamespaceName('dev'),
      });
      template.hasResourceProperties(
        'AWS::ECS::Cluster',
        Match.objectLike({
          ServiceConnectDefaults: { Namespace: stack.resolve(stack.namespace.namespaceArn) },
        }),
      );
      expect(serviceConnectNamespaceName('dev')).toBe('gantry-dev');
      expect(stack.cluster.defaultCloudMapNamespace).toBe(stack.namespace);
    });

    it('opens only port 80 to the internet', () => {
      // GIVEN / WHEN the same template
      // THEN the ALB security group's ingress is exactly HTTP
      template.hasResourceProperties(
        'AWS::EC2::SecurityGroup',
        Match.objectLike({
          GroupDescription: 'Shared public ALB',
          SecurityGroupIngress: [Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 80, ToPort: 80 })],
        }),
      );
    });
  });

  describe('alarms and dashboard', () => {
    const stack = platform();
    const template = Template.fromStack(stack);

    it("has one alarm topic, encrypted with its own rotated key, taking only HTTPS and only this account's alarms", () => {
      // GIVEN / WHEN the platform
      // THEN the exposed topic is the one in the template, encrypted with the rotated key
      template.resourceCountIs('AWS::SNS::Topic', 1);
      const keyArn = stack.resolve(stack.alarmTopic.masterKey?.keyArn);
      template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'Gantry alarms', KmsMasterKeyId: keyArn });
      template.hasResourceProperties('AWS::KMS::Key', Match.objectLike({ EnableKeyRotation: true }));
      // AND its policy refuses plain HTTP and lets CloudWatch publish for this account only
      template.hasResourceProperties(
        'AWS::SNS::TopicPolicy',
        Match.objectLike({
          PolicyDocument: Match.objectLike({
            Statement: [
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
              Match.objectLike({
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: 'sns:Publish',
                Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
              }),
            ],
          }),
        }),
      );
      // AND CloudWatch may use the key, which SNS needs to take an alarm's message
      template.hasResourceProperties(
        'AWS::KMS::Key',
        Match.objectLike({
          KeyPolicy: Match.objectLike({
            Statement: Match.arrayWith([
              Match.objectLike({
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              }),
            ]),
          }),
        }),
      );
      template.hasOutput('AlarmTopicArn', { Value: stack.resolve(stack.alarmTopic.topicArn) });
    });

    it("has a dashboard named after the stack, for the ALB, the cluster and the topic, and alarms on the ALB's own 5xx", () => {
      // GIVEN / WHEN the platform
      // THEN there is one dashboard, "Platform", built by cdk-monitoring-constructs
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
      template.hasResourceProperties('AWS::CloudWatch::Dashboard', Match.objectLike({ DashboardName: 'Platform' }));
      const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
      for (const title of ['Shared ALB', 'ECS cluster', 'Alarm topic']) expect(body).toContain(title);
      // AND its one alarm, on load-balancer-generated 5xx, notifies the topic when it fires and when it clears
      const topic = stack.resolve(stack.alarmTopic.topicArn);
      template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
      template.hasResourceProperties(
        'AWS::CloudWatch::Alarm',
        Match.objectLike({
          AlarmName: 'Platform-Alb-Elb5xx-Critical',
          AlarmActions: [topic],
          OKActions: [topic],
          Threshold: 10,
          Metrics: [
            Match.objectLike({
              MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'HTTPCode_ELB_5XX_Count' }) }),
            }),
          ],
        }),
      );
      expect(stack.dashboard.elb5xx.alarmName).toBe('Platform-Alb-Elb5xx-Critical');
    });
  });

  describe('with a certificate', () => {
    it('adds an HTTPS listener with the 404 default and turns HTTP into a redirect', () => {
      // GIVEN a platform with a certificate ARN and the domain it covers
      const stack = platform(CERT, 'api.example.com');

      // WHEN its template is read
      const template = Template.fromStack(stack);

      // THEN HTTPS:443 carries the certificate and the 404, and HTTP:80 only redirects
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
      template.hasResourceProperties(
        'AWS::ElasticLoadBalancingV2::Listener',
        Match.objectLike({
          Port: 443,
          Protocol: 'HTTPS',
          Certificates: [{ CertificateArn: CERT }],
          DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
        }),
      );
      template.hasResourceProperties(
        'AWS::ElasticLoadBalancingV2::Listener',
        Match.objectLike({
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [
            Match.objectLike({
              Type: 'redirect',
              RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }),
            }),
          ],
        }),
      );
      expect(stack.https).toBe(true);
    });

    it('publishes https://<domain> as the platform URL, since the certificate covers that name and not the ALB DNS name', () => {
      // GIVEN a platform with a certificate for api.example.com
      const stack = platform(CERT, 'api.example.com');

      // WHEN its template is read
      const template = Template.fromStack(stack);

      // THEN SSM, the output and the services' origin all use the domain
      template.hasResourceProperties(
        'AWS::SSM::Parameter',
        Match.objectLike({ Name: '/gantry/dev/platform/url', Value: 'https://api.example.com' }),
      );
      template.hasOutput('Url', Match.objectLike({ Value: 'https://api.example.com' }));
      expect(stack.url).toBe('https://api.example.com');
    });

    it('refuses a certificate without the domain it covers', () => {
      // GIVEN / WHEN a platform with a certificate and no domain / THEN it throws naming the missing prop
      expect(() => platform(CERT)).toThrow('PlatformStack: props.domainName is required with props.certificateArn');
    });
  });
});
