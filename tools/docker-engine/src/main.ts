import { engineAnswers, startEngine, stopEngine } from './engine';
import { defaultLayout } from './home';

const USAGE = 'usage: npm run docker:engine -- <start|stop|status|env>';

// Thin CLI: the logic lives in engine.ts so tests and other tools call the same functions.
async function main(command: string | undefined): Promise<number> {
  const layout = defaultLayout();
  const log = (line: string) => console.log(`[docker-engine] ${line}`);
  switch (command) {
    case 'start':
      await startEngine(layout, log);
      log(`ready: export DOCKER_HOST=${layout.host}`);
      return 0;
    case 'stop':
      await stopEngine(layout, log);
      return 0;
    case 'status': {
      const up = await engineAnswers(layout.host);
      log(up ? `running at ${layout.host}` : `not running (expected at ${layout.host})`);
      return up ? 0 : 1;
    }
    case 'env':
      console.log(`export DOCKER_HOST=${layout.host}`);
      return 0;
    default:
      console.error(command ? `unknown command "${command}". ${USAGE}` : USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[docker-engine] ${error.message}`);
    process.exit(1);
  },
);
