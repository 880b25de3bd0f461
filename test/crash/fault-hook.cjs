/**
 * Preloaded with `node --require` into the CLI under test: counts the calls that change the file
 * system and kills the process with SIGKILL just before call number TUF_CRASH_AT, as a power cut
 * would stop it (page cache aside). With TUF_CRASH_COUNT_FILE, the number of calls made is written
 * there when the process exits, so a test knows every point to cut at.
 */
'use strict';
const fs = require('node:fs');
const { syncBuiltinESMExports } = require('node:module');

const crashAt = Number(process.env.TUF_CRASH_AT ?? 0);
const countFile = process.env.TUF_CRASH_COUNT_FILE;
const original = { writeFileSync: fs.writeFileSync };
let count = 0;

function tick() {
  count += 1;
  if (count === crashAt) process.kill(process.pid, 'SIGKILL');
}

const WRITE_FLAGS =
  fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_TRUNC;
function opensForWriting(flags) {
  if (flags === undefined || flags === null) return false;
  if (typeof flags === 'number') return (flags & WRITE_FLAGS) !== 0;
  return /[wa+]/.test(String(flags));
}

const always = [
  'writeFileSync',
  'appendFileSync',
  'renameSync',
  'rmSync',
  'rmdirSync',
  'mkdirSync',
  'unlinkSync',
  'fsyncSync',
  'fdatasyncSync',
  'copyFileSync',
  'cpSync',
  'linkSync',
  'symlinkSync',
  'truncateSync',
  'ftruncateSync',
];
for (const name of always) {
  const fn = fs[name];
  if (typeof fn !== 'function') continue;
  fs[name] = function counted(...args) {
    tick();
    return fn.apply(this, args);
  };
}
const openSync = fs.openSync;
fs.openSync = function countedOpen(path, flags, ...rest) {
  if (opensForWriting(flags)) tick();
  return openSync.call(this, path, flags, ...rest);
};
for (const name of ['writeFile', 'appendFile', 'rename', 'rm', 'mkdir', 'unlink', 'copyFile', 'link', 'truncate']) {
  const fn = fs.promises[name];
  if (typeof fn !== 'function') continue;
  fs.promises[name] = async function countedPromise(...args) {
    tick();
    return fn.apply(this, args);
  };
}
syncBuiltinESMExports();

if (countFile) process.on('exit', () => original.writeFileSync(countFile, String(count)));
