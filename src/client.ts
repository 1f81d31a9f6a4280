#!/usr/bin/env node
import { defaultDeps, exec } from './cli/exec';

/** `hybrid-deploy`: the CLI used by CI and people. The work is in `exec`; this only sets the exit code. */
void exec(process.argv.slice(2), defaultDeps()).then((code) => {
  process.exitCode = code;
});
