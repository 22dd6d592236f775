import { App } from 'aws-cdk-lib';
import { loadCatalog } from '@gantry/service-catalog';
import { join } from 'node:path';
import { loadInfraConfig } from '../src/config';
import { addGantryStacks } from '../src/gantry-app';

const app = new App();
const config = loadInfraConfig(app.node);
addGantryStacks(app, { config, catalog: loadCatalog(join(__dirname, '..', '..')) });
app.synth();
