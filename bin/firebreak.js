#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci`).
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write('firebreak: not built yet; run `npm ci` (or `npm run build`) first\n');
  process.exit(2);
}
require(main)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    process.stderr.write(`firebreak: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
