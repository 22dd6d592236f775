// Started as a child process by run.spec.ts: the demo service through the real entry point.
import { runService } from '../run';
import { demo } from '../test-fixture';

void runService(demo);
