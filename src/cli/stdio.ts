import { fstatSync, writeSync } from 'node:fs';

/**
 * stdout and stderr for commander's own output (help, version, usage errors) without Node's
 * stream objects when the descriptor is a pipe or a file. Creating `process.stdout` for a pipe
 * loads net and the stream modules, a sixth of `tracknow --help`'s start-up; Node writes to pipes
 * and files synchronously on Linux anyway. A terminal, or anything else, gets the real stream,
 * whose width and colours help uses.
 */
export function isPlainFd(fd: 1 | 2): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isFile();
  } catch {
    return false;
  }
}

/** Writes all of `text` to `fd`; a reader that went away (EPIPE) ends the writing quietly. */
export function writeFd(fd: 1 | 2, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      // A non-blocking descriptor that is full: the stream queues the rest and drains it.
      (fd === 1 ? process.stdout : process.stderr).write(rest);
      return;
    }
  }
}
