import { runService } from '@gantry/service-kit';
import { pricing } from './service';

void runService(pricing);
