export { checkService, type SmokeTarget } from './check-service';
