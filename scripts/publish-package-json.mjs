#!/usr/bin/env node
// `npm pack` / `npm publish` put package.json into the tarball as it is. The
// repository's `prepare` (it builds public/models from npm packages after
// `npm ci` here) would then travel to every app that installs the package:
// npm 11 lists it in its install-scripts warning on each `npm install
// inpage-classifier`, although the script's files are not even in the
// tarball (issue 17). So prepack strips the install-time lifecycle scripts
// and postpack puts the file back byte for byte.
//   node scripts/publish-package-json.mjs strip     (prepack)
//   node scripts/publish-package-json.mjs restore   (postpack)
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILE = join(ROOT, 'package.json');
const BACKUP = join(ROOT, '.package.json.before-pack');
/** The scripts npm runs when the package is installed as a dependency. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare'];

const command = process.argv[2];
if (command === 'strip') {
  // A backup left by a pack that died half-way is the real file: never overwrite it with a stripped one.
  if (!existsSync(BACKUP)) writeFileSync(BACKUP, readFileSync(FILE));
  const pkg = JSON.parse(readFileSync(BACKUP, 'utf8'));
  for (const name of INSTALL_SCRIPTS) delete pkg.scripts?.[name];
  writeFileSync(FILE, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (command === 'restore') {
  if (existsSync(BACKUP)) renameSync(BACKUP, FILE);
} else {
  console.error('usage: node scripts/publish-package-json.mjs strip|restore');
  process.exit(2);
}
