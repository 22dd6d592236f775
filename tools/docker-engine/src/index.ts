export { dockerdArgs, engineAnswers, engineLayout, ensureInstalled, livePid, startEngine, stopEngine, type EngineLayout } from './engine';
export { defaultLayout } from './home';
