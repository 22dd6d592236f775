import { runService } from '@gantry/service-kit';
import { hello } from './service';

void runService(hello);
