// The Electron app's checkpoint key, sealed by the OS keychain through Electron's safeStorage: the file beside the
// user data holds only the sealed bytes, which another account (or a copy of the folder) cannot open. Typed against
// the few safeStorage calls it uses, so it runs (and is tested) without Electron.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDir, fileKey, type KeySource } from '../anchor/key.ts';

/** The part of Electron's safeStorage used here. */
export interface SealingStore {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(sealed: Buffer): string;
}

/**
 * The key sealed in `<dir>/checkpoint.key.sealed` (mode 0600), made on first use. Where the OS offers no keychain
 * (safeStorage unavailable), the CLI's 0600 key file in the same folder instead, and `onFallback` says so.
 */
export function sealedKey(dir: string, storage: SealingStore, onFallback: (why: string) => void = () => {}): KeySource {
  const file = path.join(dir, 'checkpoint.key.sealed');
  let cached: Buffer | null = null;
  return {
    key() {
      if (cached) return cached;
      if (!storage.isEncryptionAvailable()) {
        onFallback(`the OS keychain is not available: checkpoints are signed with the key file in ${dir}`);
        cached = fileKey(dir).key();
        return cached;
      }
      ensureDir(dir);
      if (!fs.existsSync(file)) fs.writeFileSync(file, storage.encryptString(randomBytes(32).toString('hex')), { flag: 'wx', mode: 0o600 });
      const hex = storage.decryptString(fs.readFileSync(file));
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`the sealed checkpoint key ${file} does not open to a key`);
      cached = Buffer.from(hex, 'hex');
      return cached;
    },
  };
}
