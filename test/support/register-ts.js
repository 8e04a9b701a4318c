// Lets a child `node` process load the TypeScript sources directly (tests only): each .ts file is
// transpiled to CommonJS with swc on require, the same transform jest uses.
'use strict';
const { transformSync } = require('@swc/core');
const fs = require('node:fs');

require.extensions['.ts'] = function loadTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, {
    filename,
    sourceMaps: 'inline',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
