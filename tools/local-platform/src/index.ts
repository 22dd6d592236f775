export { buildGateway, type GatewayRoute } from './gateway';
export { startPlatform, type PlatformOptions, type RunningPlatform } from './platform';
export { routeTable } from './route-table';
