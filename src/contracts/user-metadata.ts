/**
 * The Web UI's words about a run (Temporal's user metadata): a one-line summary on every
 * workflow, activity and child workflow, shown in lists and timelines. Temporal keeps at most
 * 200 bytes of a summary, so summaries are clipped here, on a character boundary, rather than
 * cut by the server mid-character.
 */
export const SUMMARY_LIMIT_BYTES = 200;

/** Clips a summary to {@link SUMMARY_LIMIT_BYTES} UTF-8 bytes, ending in `…` when clipped. */
export function clipSummary(summary: string, limit = SUMMARY_LIMIT_BYTES): string {
  let bytes = 0;
  let end = 0;
  for (const char of summary) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (bytes > limit - 3) return `${summary.slice(0, end)}…`;
    end += char.length;
  }
  return summary;
}
