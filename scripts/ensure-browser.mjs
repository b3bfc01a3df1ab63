#!/usr/bin/env node
// Makes sure the e2e tests have a Chromium: $CHROMIUM_PATH, else Debian's
// /usr/bin/chromium, else (root on Debian/Ubuntu) installs it with apt, else
// stops with the exact command to run. Playwright's own browser download is
// not used: it needs hosts that are not reachable from every machine.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
const found = candidates.find((p) => existsSync(p));
if (found) {
  console.log(`ensure-browser: using ${found}`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
if (isRoot && hasApt) {
  console.log('ensure-browser: Chromium not found; installing Debian package "chromium" with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  if (existsSync('/usr/bin/chromium')) process.exit(0);
}
console.error(
  'ensure-browser: no Chromium found. Install one and re-run `npm test`:\n' +
    '  sudo apt-get update && sudo apt-get install -y chromium\n' +
    'or point CHROMIUM_PATH at a Chromium/Chrome binary.',
);
process.exit(1);
