// The `riskdesk` process (bin/riskdesk.js imports this): runs main() on the real process's argv, streams and
// environment, and turns its result into the exit code. Everything else of the CLI is in main.ts, importable.
import { main } from './main.ts';
import { processIo } from './io.ts';

// A reader that goes away early (`riskdesk calls | head -1`) is not an error of the command, which has already run:
// stop writing quietly instead of dying on an unhandled EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
    if (stream !== process.stderr) process.stderr.write(`riskdesk: cannot write output: ${e.message}\n`);
    process.exitCode = 3;
  });
}

process.exitCode = await main(process.argv.slice(2), processIo());
