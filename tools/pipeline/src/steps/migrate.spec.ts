import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { sampleEntry } from '@gantry/service-catalog/testing';
import type { EcsLike, LogsLike } from '../ecs-migration';
import { migrateOnEcs } from './migrate';

const orders = sampleEntry('orders', 4, {
  database: { engine: 'postgres', name: 'orders', port: 5434, size: 'small' },
});
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/gantry/orders@sha256:${'b'.repeat(64)}`;
const TASK = 'arn:aws:ecs:eu-west-1:123456789012:task/gantry-dev/0f1e2d3c';

/** ECS as it answers before and after the service's stacks exist; every command's name and input is recorded. */
function fakeEcs(exists: () => boolean) {
  const calls: Array<{ command: string; input: unknown }> = [];
  const answer = (command: object): object => {
    if (command instanceof DescribeServicesCommand) {
      return exists()
        ? {
            services: [
              {
                serviceName: 'gantry-dev-orders',
                status: 'ACTIVE',
                taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/gantry-dev-orders:1',
                launchType: 'FARGATE',
                networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
              },
            ],
          }
        : { services: [], failures: [{ reason: 'MISSING' }] };
    }
    if (command instanceof DescribeTaskDefinitionCommand) {
      return {
        taskDefinition: { family: 'gantry-dev-orders', containerDefinitions: [{ name: 'app', image: 'old' }] },
      };
    }
    if (command instanceof RegisterTaskDefinitionCommand) {
      return { taskDefinition: { taskDefinitionArn: 'arn:…:task-definition/gantry-dev-orders:2' } };
    }
    if (command instanceof RunTaskCommand) return { tasks: [{ taskArn: TASK, lastStatus: 'PROVISIONING' }] };
    if (command instanceof DescribeTasksCommand) {
      return { tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] }] };
    }
    throw new Error(`the fake does not know ${command.constructor.name}`);
  };
  const ecs: EcsLike = {
    send: async (command: { input: unknown }) => {
      calls.push({ command: command.constructor.name, input: command.input });
      return answer(command) as never;
    },
  };
  return { ecs, calls };
}

const logs: LogsLike = { getLogEvents: async () => ({ events: [] }) };
const noWait = async () => undefined;

describe('migrateOnEcs', () => {
  it("creates a first-deployed service's stacks with no task before it runs the migration task", async () => {
    let created = 0;
    const { ecs, calls } = fakeEcs(() => created > 0);
    const lines: string[] = [];

    const detail = await migrateOnEcs({ log: (line) => lines.push(line) }, 'dev', orders, IMAGE, {
      ecs,
      logs,
      sleep: noWait,
      createWithoutTasks: async () => void (created += 1),
    });

    expect(created).toBe(1);
    expect(lines[0]).toBe(
      'orders: first deploy: creating its stacks with no task, so that its migrations have a task definition to run with',
    );
    expect(calls.map((call) => call.command).slice(0, 4)).toEqual([
      'DescribeServicesCommand',
      'DescribeServicesCommand',
      'DescribeTaskDefinitionCommand',
      'RegisterTaskDefinitionCommand',
    ]);
    expect(calls[0].input).toEqual({ cluster: 'gantry-dev', services: ['gantry-dev-orders'] });
    expect(detail).toBe('migration task 0f1e2d3c exited 0');
  });

  it('runs the migration task at once for a service that already runs', async () => {
    const { ecs, calls } = fakeEcs(() => true);
    const createWithoutTasks = jest.fn(async () => undefined);

    await migrateOnEcs({ log: () => undefined }, 'dev', orders, IMAGE, {
      ecs,
      logs,
      sleep: noWait,
      createWithoutTasks,
    });

    expect(createWithoutTasks).not.toHaveBeenCalled();
    expect(calls.find((call) => call.command === 'RunTaskCommand')?.input).toMatchObject({
      cluster: 'gantry-dev',
      overrides: { containerOverrides: [{ name: 'app', command: ['node', '/app/main.js', 'migrate'] }] },
    });
  });
});
