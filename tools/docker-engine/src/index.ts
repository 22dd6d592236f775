export { aptInstall } from './apt';
export { dockerdArgs, engineAnswers, engineLayout, ensureInstalled, startEngine, stopEngine, type EngineLayout } from './engine';
export { defaultLayout } from './home';
export { livePid } from './pid-file';
