// The Electron fuses the packaged console is built with (electron-builder.yml's electronFuses must say the same:
// test/electronHardening.test.ts compares them), typed against electron-builder's own options for @electron/fuses.
// Fuses are flipped in the Electron binary itself, so no environment variable or command-line flag can undo them:
//   runAsNode off: ELECTRON_RUN_AS_NODE cannot turn the signed app into a plain Node that runs any script;
//   NODE_OPTIONS / NODE_EXTRA_CA_CERTS and --inspect off: no code injected at start, no debugger attached;
//   ASAR integrity on and only app.asar loaded: the app's code is the code that was packaged;
//   file:// without extra privileges, cookies encrypted (the console loads from app://, keeps no cookies).
import type { FuseOptionsV1 } from 'app-builder-lib';

export const FUSES = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
  enableCookieEncryption: true,
  loadBrowserProcessSpecificV8Snapshot: false,
} as const satisfies Required<Omit<FuseOptionsV1, 'resetAdHocDarwinSignature'>>;
