import { handleLifecycleHook, type HookResponse, type LifecycleHookEvent } from './test-traffic-check';

/** Lambda entry point of the POST_TEST_TRAFFIC_SHIFT hook; the logic and its tests are in test-traffic-check.ts. */
export const handler = (event: LifecycleHookEvent): Promise<HookResponse> => handleLifecycleHook(event, process.env);
