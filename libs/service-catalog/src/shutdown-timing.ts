// The shutdown timing chain, derived in one place so its links cannot drift apart: the service kit's
// defaults, the target group's deregistration delay and the container's stopTimeout all come from here.
//
//   SIGTERM ──► not ready (503) ──shutdownDelay──► stop accepting ──drainTimeout──► exit
//   deregistration delay = shutdownDelay + drainTimeout  (the ALB stops sending before the task must be gone)
//   stopTimeout = deregistration delay + margin          (ECS kills only after the drain had all its time)

export interface ShutdownTiming {
  /** How long readiness answers 503 before the listener closes, so the load balancer stops routing here. */
  shutdownDelaySeconds: number;
  /** How long in-flight requests get to finish once the listener closed; an overrun exits 1. */
  drainTimeoutSeconds: number;
  /** The target group's deregistration delay: the whole drain. */
  deregistrationDelaySeconds: number;
  /** The container's stopTimeout: the drain plus time to exit and flush logs; ECS allows at most 120. */
  stopTimeoutSeconds: number;
}

export function shutdownTiming(shutdownDelaySeconds = 2, drainTimeoutSeconds = 10, marginSeconds = 8): ShutdownTiming {
  const deregistrationDelaySeconds = shutdownDelaySeconds + drainTimeoutSeconds;
  const stopTimeoutSeconds = deregistrationDelaySeconds + marginSeconds;
  if (stopTimeoutSeconds > 120)
    throw new Error(`stopTimeout ${stopTimeoutSeconds} s is over ECS's 120 s: shorten the drain`);
  return { shutdownDelaySeconds, drainTimeoutSeconds, deregistrationDelaySeconds, stopTimeoutSeconds };
}

/** The timing every service runs with unless it says otherwise. */
export const SHUTDOWN_TIMING = shutdownTiming();
