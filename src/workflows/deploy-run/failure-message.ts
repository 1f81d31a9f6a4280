/** The most useful message of a Temporal failure chain: the innermost cause says what went wrong. */
export function describe(error: Error): string {
  let current: Error | undefined = error;
  let message = error.message;
  while (current) {
    if (current.message) message = current.message;
    current = (current as { cause?: Error }).cause;
  }
  return message;
}
