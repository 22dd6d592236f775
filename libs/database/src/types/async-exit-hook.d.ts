// async-exit-hook ships no types; this is the one function the embedded server wrapper calls.
declare module 'async-exit-hook' {
  const hook: { unhookEvent(event: string): void; hookedEvents(): string[] };
  export default hook;
}
