/** A worker that dies sooner than this after it was forked counts as crashing at start. */
export const QUICK_DEATH_MS = 5_000;
/** The first wait before replacing a worker that crashed at start; doubles with each such crash in a row. */
export const FIRST_RESTART_DELAY_MS = 250;
/** A crash loop is retried at this pace at most. */
export const MAX_RESTART_DELAY_MS = 10_000;

/**
 * When to fork the replacement of a worker that died. A worker that ran a while is replaced at
 * once; one that keeps dying right after it starts (a bad deploy, a database that refuses it)
 * is replaced after a delay that doubles up to MAX_RESTART_DELAY_MS, so a crash loop does not
 * spin a core and flood the log.
 */
export class RestartPolicy {
  private quickDeathsInARow = 0;

  /** The delay before forking the replacement of a worker that lived `livedMs`. */
  delayAfter(livedMs: number): number {
    if (livedMs >= QUICK_DEATH_MS) {
      this.quickDeathsInARow = 0;
      return 0;
    }
    this.quickDeathsInARow++;
    return Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (this.quickDeathsInARow - 1));
  }
}
