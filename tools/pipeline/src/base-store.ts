import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Where the last successfully deployed commit is kept between pipeline runs. */
export interface BaseStore {
  /** Names the store in messages: an SSM parameter or a file. */
  readonly label: string;
  read(): Promise<string | undefined>;
  write(commit: string): Promise<void>;
}

/** The AWS store: one SSM String parameter, overwritten after each deploy. */
export class SsmBaseStore implements BaseStore {
  readonly label: string;

  constructor(
    private readonly parameterName: string,
    private readonly client = new SSMClient({}),
  ) {
    this.label = `SSM parameter ${parameterName}`;
  }

  async read(): Promise<string | undefined> {
    try {
      const { Parameter } = await this.client.send(new GetParameterCommand({ Name: this.parameterName }));
      return Parameter?.Value?.trim() || undefined;
    } catch (error) {
      if (error instanceof ParameterNotFound) return undefined;
      throw error;
    }
  }

  async write(commit: string): Promise<void> {
    await this.client.send(
      new PutParameterCommand({ Name: this.parameterName, Value: commit, Type: 'String', Overwrite: true }),
    );
  }
}

/** The local stand-in for the SSM parameter: a JSON file. */
export class FileBaseStore implements BaseStore {
  readonly label: string;

  constructor(private readonly path: string) {
    this.label = `file ${path}`;
  }

  async read(): Promise<string | undefined> {
    if (!existsSync(this.path)) return undefined;
    try {
      return (JSON.parse(readFileSync(this.path, 'utf8')) as { commit?: string }).commit?.trim() || undefined;
    } catch {
      throw new Error(`${this.path} is not valid JSON; delete it to build everything, or write {"commit": "<sha>"}`);
    }
  }

  async write(commit: string): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, `${JSON.stringify({ commit, recordedAt: new Date().toISOString() }, null, 2)}\n`);
  }
}

/** SSM in AWS (GANTRY_BASE_PARAMETER), else a file (GANTRY_BASE_FILE, default .gantry/pipeline/last-deployed.json). */
export function baseStoreFromEnv(root: string, env: NodeJS.ProcessEnv): BaseStore {
  const parameter = env['GANTRY_BASE_PARAMETER'];
  if (parameter) {
    if (!/^\/[A-Za-z0-9_.\-/]+$/.test(parameter)) {
      throw new Error(
        `GANTRY_BASE_PARAMETER must be an SSM parameter path like /gantry/dev/pipeline/last-deployed-commit (got ${JSON.stringify(parameter)})`,
      );
    }
    return new SsmBaseStore(parameter);
  }
  return new FileBaseStore(resolve(root, env['GANTRY_BASE_FILE'] ?? '.gantry/pipeline/last-deployed.json'));
}
