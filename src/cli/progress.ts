/** What a long command reports as it goes: rows done, and bytes read out of the total (for the ETA). */
export interface ProgressTick {
  readonly rows: number;
  readonly bytes: number;
  readonly totalBytes: number;
}

export interface ProgressBar {
  update(tick: ProgressTick): void;
  stop(): void;
}

/**
 * A progress bar with rows/s and an ETA from bytes read, on `stream` (stderr) and only when it
 * is a TTY: never in pipes, logs or cron mail. Undefined otherwise.
 */
export async function progressBar(stream: NodeJS.WriteStream = process.stderr): Promise<ProgressBar | undefined> {
  if (!stream.isTTY) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
    // Bytes arrive in parser-sized steps: a longer window keeps the ETA from jumping.
    etaBuffer: 100,
  });
  const start = performance.now();
  let started = false;
  return {
    update({ rows, bytes, totalBytes }) {
      const rate = Math.round(rows / Math.max(0.001, (performance.now() - start) / 1000));
      if (started) return bar.update(bytes, { rows, rate });
      bar.start(Math.max(1, totalBytes), bytes, { rows, rate });
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
