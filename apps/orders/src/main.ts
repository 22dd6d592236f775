import { runMigrateCommand } from '@gantry/database';
import { MIGRATE_ARGUMENT } from '@gantry/service-catalog';
import { runService } from '@gantry/service-kit';
import { migrations } from './migrations';
import { orders } from './service';

// `main.js migrate` is the one-off migration task (same image and task definition, command override).
if (process.argv[2] === MIGRATE_ARGUMENT) {
  void runMigrateCommand('orders', migrations, {
    env: process.env,
    write: (line) => process.stdout.write(`${line}\n`),
  }).then((code) => process.exit(code));
} else {
  void runService(orders);
}
