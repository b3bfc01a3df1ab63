#!/usr/bin/env node
/** The `inpage-classifier` command (package.json "bin"); the work is in cli.ts. */
import { main } from './cli.js';

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`inpage-classifier: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
