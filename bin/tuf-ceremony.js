#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`).
import('../dist/src/cli/main.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
      process.stderr.write('tuf-ceremony: not built yet: run `npm run build` first\n');
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`tuf-ceremony: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  });
