import { setUpTestPostgres } from '@gantry/database/testing';
import { migrations } from '../migrations';

export default () => setUpTestPostgres(migrations);
