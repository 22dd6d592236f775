import { runService } from '@gantry/service-kit';
import { catalog } from './service';

void runService(catalog);
