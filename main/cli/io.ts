// What a run of the CLI may touch of its process: its output streams, its input and its environment. `main(argv, io)`
// takes them as an argument, so the tests run the CLI in their own process (no child per command) and only the entry
// (bin/riskdesk.js -> main/cli/entry.ts) binds them to the real process.
import type { Readable } from 'node:stream';

export interface Writer {
  write(s: string): unknown;
}

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  /** Read for a password prompt; a terminal (isTTY) only at a person's keyboard. */
  stdin: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  env: NodeJS.ProcessEnv;
}

/** The real process's streams and environment (the entry's io). */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
