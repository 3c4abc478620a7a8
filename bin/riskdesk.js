#!/usr/bin/env node
// The `riskdesk` command. The program is TypeScript run by Node's type stripping, which needs Node 22.18 or later:
// `npx riskdesk` and the npm scripts use the Node 22 the project pins in its devDependencies.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `riskdesk: Node ${process.versions.node} is too old (22.18 or later is needed).\n` +
      'Run it as `npx riskdesk ...` from the project folder, which uses the Node the project pins.\n',
  );
  process.exit(2);
}
await import('../main/cli/entry.ts');
