#!/usr/bin/env node
// The `riskdesk` command. The program is TypeScript run by Node's type stripping, which needs Node 22.18 or later:
// `npx riskdesk` and the npm scripts use the Node 22 the project pins in its devDependencies. Where `npm run build`
// has bundled it (dist/cli, scripts/build-cli.ts) and no source has changed since, the bundle runs instead: the
// same program, started in a fraction of the time (bin/bundle.js).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `riskdesk: Node ${process.versions.node} is too old (22.18 or later is needed).\n` +
      'Run it as `npx riskdesk ...` from the project folder, which uses the Node the project pins.\n',
  );
  process.exit(2);
}
const { fileURLToPath, pathToFileURL } = await import('node:url');
const { freshBundle } = await import('./bundle.js');
const bundle = freshBundle(fileURLToPath(new URL('..', import.meta.url)));
await import(bundle === null ? '../main/cli/entry.ts' : pathToFileURL(bundle).href);
