export { tearDownTestPostgres as default } from '@gantry/database/testing';
