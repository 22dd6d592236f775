/**
 * The one scaffold every command-line entry point uses. `main` gets the arguments; a number it resolves
 * with is the exit code, while undefined leaves the process to the servers it started (Ctrl-C ends it).
 * A thrown error becomes one `[name] ERROR: message` line on stderr and exit code 1.
 */
export function runCli(name: string, main: (argv: string[]) => Promise<number | undefined>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: Error) => {
      console.error(`[${name}] ERROR: ${error.message}`);
      process.exit(1);
    },
  );
}
