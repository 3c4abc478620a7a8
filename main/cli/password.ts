// Reads a password from the terminal without echoing it. With no terminal there is nobody to ask: refuse.
import { InputError } from '../../shared/errors.ts';
import type { CliIo } from './io.ts';

export function readPassword(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  if (!stdin.isTTY || !stdin.setRawMode) {
    return Promise.reject(new InputError('no password: set RISKDESK_PASSWORD or run in a terminal to be asked'));
  }
  const setRawMode = stdin.setRawMode.bind(stdin);
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let buf = '';
    setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new InputError('cancelled'));
        if (ch === '\u007f') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}
