/**
 * Building shell scripts out of values a person typed, without letting those values become
 * script text. Values that are not commands (paths, versions, URLs, checksums) are single-quoted;
 * commands are written byte for byte into files of their own and run with `sh`, so a `#`, an
 * unbalanced quote, a heredoc or an `exit` in one command can neither break the script around it
 * nor reach another command.
 */

/** Quotes a value for POSIX sh: the shell sees it as one literal word, whatever it holds. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The script lines that make a private scratch directory (`$scratch`), removed on exit. */
export function scratchLines(): string[] {
  return ['scratch=$(mktemp -d "${TMPDIR:-/tmp}/hybrid-deploy.XXXXXX")', 'work=""', `trap 'rm -rf "$scratch" \${work:+"$work"}' EXIT`];
}

/** Writes `command` into `$scratch/<name>` exactly as given (the command never becomes script text). */
export function commandFileLine(name: string, command: string): string {
  return `printf '%s\\n' ${shq(command)} >"$scratch/${name}"`;
}

/**
 * A script that runs each command as written, one after the other, each as its own `sh` script;
 * the first that fails stops the rest and its exit status is the script's. What SSM would do
 * with a list of commands (join them into one script) lets one command's syntax break the next.
 */
export function eachAsWrittenScript(commands: string[]): string {
  const lines = ['set -u', ...scratchLines()];
  commands.forEach((command, index) => lines.push(commandFileLine(`${index + 1}.sh`, command)));
  commands.forEach((_command, index) =>
    lines.push(`sh "$scratch/${index + 1}.sh" || { status=$?; echo "command ${index + 1} of ${commands.length} failed (exit $status)" >&2; exit "$status"; }`),
  );
  return lines.join('\n');
}
