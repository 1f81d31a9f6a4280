import { errorDocument, type CliError } from '../errors';
import type { CommandResult } from '../results';
import { PlainRenderer } from './plain-renderer';

/**
 * `--json`: exactly one JSON document on stdout, the result without its `kind` (or, when the
 * run ends in an error before any result, the error's document). Progress and errors are also
 * written for people on stderr.
 */
export class JsonRenderer extends PlainRenderer {
  private written = false;

  protected print(result: CommandResult): void {
    const { kind: _kind, ...document } = result;
    this.document(document);
  }

  override error(error: CliError): void {
    super.error(error);
    if (!this.written) this.document(errorDocument(error));
  }

  private document(document: unknown): void {
    if (this.written) throw new Error('a --json run writes exactly one JSON document');
    this.written = true;
    this.out(JSON.stringify(document, null, 2));
  }
}
