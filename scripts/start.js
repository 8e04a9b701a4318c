#!/usr/bin/env node
'use strict';
// `npm start`: make sure dependencies are installed and the project is built, then run the
// engine. Plain JS so it works before anything is compiled.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd, args, what) {
  process.stderr.write(`firebreak: ${what}...\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`firebreak: ${what} failed (exit ${r.status})\n`);
    process.exit(r.status || 1);
  }
}

if (!fs.existsSync(path.join(root, 'node_modules', '@temporalio', 'worker'))) {
  run(npm, ['ci', '--no-audit', '--no-fund'], 'installing dependencies (npm ci)');
}
// npm only warns on an unsupported Node (among many other lines); say it once more, plainly.
const supported = require(path.join(root, 'package.json')).engines.node;
if (!require('semver').satisfies(process.version, supported)) {
  process.stderr.write(
    `firebreak: Node ${process.version} is not supported (package.json engines: ${supported}); use Node 22 or 24\n`,
  );
}
const built = path.join(root, 'dist', 'apps', 'cli', 'main.js');
const newestSource = () => {
  let newest = 0;
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', 'dist', '.git', '.firebreak', 'test', 'bench'].includes(e.name)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(root);
  return newest;
};
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newestSource()) {
  run(npm, ['run', 'build', '--silent'], 'compiling TypeScript (npm run build)');
}
require(built)
  .main(['start', ...process.argv.slice(2)])
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`firebreak: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
