import { setUpTestPostgres } from './testing';

// An empty template: these specs run their own migrations on their own databases.
export default () => setUpTestPostgres([]);
