import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parameterNames } from '@gantry/service-catalog';

/** One deploy of a service that passed its smoke test: what ran, from which commit, and when. */
export interface DeployedImage {
  version: string;
  digest: string;
  commit: string;
  deployedAt: string;
}

/** How many deploys of a service the record keeps: enough to roll back, small enough for one SSM parameter. */
export const HISTORY_LENGTH = 10;

/**
 * What runs in an environment, per service, with the deploys before it (newest first). Written only after a
 * deploy and its smoke test pass, so it never names an image that was rolled back or never served.
 */
export interface DeployRecord {
  /** Names the store in messages: SSM parameters or a file. */
  readonly label: string;
  history(service: string): Promise<DeployedImage[]>;
  record(service: string, image: DeployedImage): Promise<void>;
}

/** The `<version>@<digest>` value of an image record: what the CDK app runs when no image is given. */
export function imageRecordValue(image: Pick<DeployedImage, 'version' | 'digest'>): string {
  return `${image.version}@${image.digest}`;
}

function prepend(history: DeployedImage[], image: DeployedImage): DeployedImage[] {
  return [image, ...history].slice(0, HISTORY_LENGTH);
}

/**
 * AWS: `/gantry/<env>/images/<name>` holds `<version>@<digest>` (the service stack reads it), and
 * `/gantry/<env>/deploys/<name>` the history as JSON.
 */
export class SsmDeployRecord implements DeployRecord {
  readonly label: string;

  constructor(
    private readonly envName: string,
    private readonly client = new SSMClient({}),
  ) {
    this.label = `SSM parameters ${parameterNames(envName).image('<name>')} and ${parameterNames(envName).deploys('<name>')}`;
  }

  async history(service: string): Promise<DeployedImage[]> {
    try {
      const name = parameterNames(this.envName).deploys(service);
      const { Parameter } = await this.client.send(new GetParameterCommand({ Name: name }));
      return parseHistory(Parameter?.Value ?? '[]', name);
    } catch (error) {
      if (error instanceof ParameterNotFound) return [];
      throw error;
    }
  }

  async record(service: string, image: DeployedImage): Promise<void> {
    const names = parameterNames(this.envName);
    const history = prepend(await this.history(service), image);
    const put = (Name: string, Value: string) =>
      this.client.send(new PutParameterCommand({ Name, Value, Type: 'String', Overwrite: true }));
    await put(names.deploys(service), JSON.stringify(history));
    await put(names.image(service), imageRecordValue(image));
  }
}

/** The local stand-in: one JSON file per environment, `{ "<service>": [newest, …] }`. */
export class FileDeployRecord implements DeployRecord {
  readonly label: string;

  constructor(private readonly path: string) {
    this.label = `file ${path}`;
  }

  private read(): Record<string, DeployedImage[]> {
    if (!existsSync(this.path)) return {};
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, DeployedImage[]>;
    } catch {
      throw new Error(`${this.path} is not valid JSON; fix it, or delete it to forget what was deployed locally`);
    }
  }

  async history(service: string): Promise<DeployedImage[]> {
    return this.read()[service] ?? [];
  }

  async record(service: string, image: DeployedImage): Promise<void> {
    const all = this.read();
    all[service] = prepend(all[service] ?? [], image);
    mkdirSync(dirname(this.path), { recursive: true });
    // Written whole and renamed, so a reader never sees half a record.
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

function parseHistory(text: string, source: string): DeployedImage[] {
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value)) return value as DeployedImage[];
  } catch {
    // reported below
  }
  throw new Error(`${source} does not hold a JSON list of deploys; fix it, or delete it to start the history again`);
}
