#!/usr/bin/env node
// Makes sure the e2e tests have a Chromium: $CHROMIUM_PATH, else Debian's
// /usr/bin/chromium, else (root on Debian/Ubuntu) installs it with apt, else
// stops with the exact command to run. Playwright's own browser download is
// not used: it needs hosts that are not reachable from every machine.
// Then, where it can, Debian's python3-pil (the real Pillow a torchvision
// server runs) for the Pillow parity tests; without it those skip with a
// message, everything else runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let aptUpdated = false;

/** apt-get install, updating the package lists once first. */
function aptInstall(pkg) {
  if (!aptUpdated) execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv });
  aptUpdated = true;
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: aptEnv });
}

function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (found) {
    console.log(`ensure-browser: using ${found}`);
    return;
  }
  if (isRoot && hasApt) {
    console.log('ensure-browser: Chromium not found; installing Debian package "chromium" with apt-get');
    aptInstall('chromium');
    if (existsSync('/usr/bin/chromium')) return;
  }
  console.error(
    'ensure-browser: no Chromium found. Install one and re-run `npm test`:\n' +
      '  sudo apt-get update && sudo apt-get install -y chromium\n' +
      'or point CHROMIUM_PATH at a Chromium/Chrome binary.',
  );
  process.exit(1);
}

const hasPillow = () => existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { stdio: 'ignore' }).status === 0;

function ensurePillow() {
  if (hasPillow()) return console.log('ensure-browser: Pillow (Debian python3-pil) found for the Pillow parity tests');
  if (isRoot && hasApt) {
    try {
      console.log('ensure-browser: installing Debian package "python3-pil" (Pillow parity tests) with apt-get');
      aptInstall('python3-pil');
    } catch (error) {
      console.warn(`ensure-browser: could not install python3-pil (${error.message}); the Pillow parity tests will skip`);
    }
  }
  if (!hasPillow()) console.warn('ensure-browser: no Pillow (sudo apt-get install -y python3-pil); the Pillow parity tests will skip');
}

ensureChromium();
ensurePillow();
