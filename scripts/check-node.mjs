// npm runs scripts with node_modules/.bin first on PATH, so the project's own Node 24 answers here.
// Below 24 the install skipped the `node` package's script (e.g. --ignore-scripts): fail fast.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `bestays-api needs Node.js >= 24 (found ${process.versions.node}). ` +
      'Run `npm install` (with install scripts allowed) so the project brings its own Node 24.',
  );
  process.exit(1);
}
