import { App } from 'aws-cdk-lib';
import { loadCatalog } from '@gantry/service-catalog';
import { join } from 'node:path';
import { loadInfraConfig } from '../src/config';
import { addGantryStacks, servicesFromContext } from '../src/gantry-app';

const app = new App();
const config = loadInfraConfig(app.node);
const catalog = loadCatalog(join(__dirname, '..', '..'));
addGantryStacks(app, { config, catalog, only: servicesFromContext(app, catalog) });
app.synth();
