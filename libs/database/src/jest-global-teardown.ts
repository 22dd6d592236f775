export { tearDownTestPostgres as default } from './testing';
