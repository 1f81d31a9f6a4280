import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InvalidInputError } from './problems';

/** The largest deploy spec read: real ones are a few KiB; anything near this is a mistake or an attack. */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** The largest `.sha256` sidecar read: 64 hex digits and maybe a file name. */
export const MAX_CHECKSUM_FILE_BYTES = 4 * 1024;

/**
 * Reads a small input file whole, refusing what is not a regular file (a FIFO would block, a
 * device such as `/dev/zero` would never end) and what is larger than `maxBytes`. The file is
 * opened non-blocking and checked through its descriptor, so what is checked is what is read.
 * Throws {@link InvalidInputError} naming the file and the fix.
 */
export function readInputFile(file: string, maxBytes: number, source = file): string {
  const problem = (message: string) => new InvalidInputError(source, [{ path: '', message }]);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw problem(`cannot be read: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw problem(`is not a regular file (${kindOf(stat)}): give the path of a file`);
    if (stat.size > maxBytes) throw problem(`is ${stat.size} bytes; at most ${maxBytes} are read (is it the right file?)`);
    // Read at most one byte past the limit: a file that grows meanwhile is caught, never read whole.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > maxBytes) throw problem(`is larger than ${maxBytes} bytes (is it the right file?)`);
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw problem(`cannot be read: ${(error as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: ReturnType<typeof fstatSync>): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
