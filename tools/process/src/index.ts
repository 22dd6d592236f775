export { runCli } from './cli';
export { DaemonExitedError, livePid, startDaemon, stopDaemon, type DaemonSpec } from './daemon';
export { freePort } from './free-port';
export { Git, git, gitMaybe, headOrUnknown } from './git';
export { linkedClone } from './linked-clone';
export { NX_ENV, nxScript, nxSync, runNx } from './nx';
export { runLines, type LinesResult } from './run-lines';
export { table } from './table';
export { sleep, waitUntil } from './wait';
