// The key that signs checkpoints, kept outside the ledger so that whoever can rewrite the ledger file cannot also
// forge the anchors of its chain. The CLI and browser mode keep it in a 0600 file beside the user's config; the
// Electron app keeps it sealed by the OS keychain (main/electron/anchorKey.ts).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../shared/errors.ts';

export interface KeySource {
  /** The 32-byte HMAC key, made on first use. */
  key(): Buffer;
}

/** RISKDESK_CONFIG_DIR, else $XDG_CONFIG_HOME/riskdesk, else ~/.config/riskdesk. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RISKDESK_CONFIG_DIR) return path.resolve(env.RISKDESK_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME ? path.resolve(env.XDG_CONFIG_HOME) : path.join(os.homedir(), '.config');
  return path.join(base, 'riskdesk');
}

/** The folder, made private (0700) when it is new. */
export function ensureDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * The key in `<dir>/checkpoint.key` (hex), made with mode 0600 on first use. A key file others can read or write is
 * refused: anyone who can read it can sign checkpoints for a rewritten journal.
 */
export function fileKey(dir: string): KeySource {
  const file = path.join(dir, 'checkpoint.key');
  let cached: Buffer | null = null;
  return {
    key() {
      if (cached) return cached;
      ensureDir(dir);
      try {
        fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`cannot create the checkpoint key ${file}: ${(e as Error).message}`);
      }
      const mode = fs.statSync(file).mode & 0o777;
      if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
        throw new InputError(`the checkpoint key ${file} is readable or writable by others (mode ${mode.toString(8)}): chmod 600 it`);
      }
      const hex = fs.readFileSync(file, 'utf8').trim();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new InputError(`the checkpoint key ${file} is not 64 hex digits`);
      cached = Buffer.from(hex, 'hex');
      return cached;
    },
  };
}
