// esbuild's text loader (and jest's stand-in for it) imports a .sql file as its text.
declare module '*.sql' {
  const text: string;
  export default text;
}
