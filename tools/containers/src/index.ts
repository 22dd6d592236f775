export { buildLocalBaseImage, LOCAL_BASE_IMAGE, sharedLibraries } from './base-image';
export { dockerCli, type Docker } from './docker';
export { buildServiceImage, imageSize, type ServiceImageOptions } from './service-image';
