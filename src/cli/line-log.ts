/**
 * A JSON-lines log written once per turn of the event loop: under load, the responses of a batch
 * finish in the same turn, and one write for all their lines replaces one each (each write to a
 * pipe wakes its reader, which competes with the listener for the CPU). What is still held when
 * the process exits is written then.
 */
export function lineLog(
  write: (text: string) => void,
  atExit: (flush: () => void) => void = (flush) => process.once('exit', flush),
): (entry: Record<string, unknown>) => void {
  let held = '';
  const flush = () => {
    if (held === '') return;
    const text = held;
    held = '';
    write(text);
  };
  atExit(flush);
  return (entry) => {
    if (held === '') setImmediate(flush);
    held += `${JSON.stringify(entry)}\n`;
  };
}
