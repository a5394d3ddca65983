import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../logger.js';
import { isWorkerReady } from './handoff.js';

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

/** After the grace period, how long a draining worker may still take (closing its pool and sockets) before it is killed. */
const FORCE_KILL_MARGIN_MS = 5_000;

interface WorkerState {
  worker: Worker;
  pid: number;
  forkedAt: number;
  ready: boolean;
}

export interface WorkerGroupOptions {
  size: number;
  env: Record<string, string>;
  graceMs: number;
  logger: Logger;
  /** Once, when every worker of the first generation listens. */
  onReady(url: string): void;
  /** A worker of the first generation exited before the group was ready: the server cannot start. */
  onStartFailure(): void;
  /** A worker died while serving and a replacement is on its way. */
  onRestart(): void;
}

/** The workers: forked, replaced when one dies while serving, stopped together. */
export class WorkerGroup {
  private readonly states = new Map<number, WorkerState>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private readonly policy = new RestartPolicy();
  private readyOnce = false;
  private stopping: Promise<number> | undefined;
  private exitCode = 0;
  private allExited: (() => void) | undefined;

  constructor(private readonly options: WorkerGroupOptions) {}

  start(): void {
    // A signal may have stopped the group before it was started.
    if (this.stopping) return;
    for (let i = 0; i < this.options.size; i++) this.fork();
  }

  /** The workers that listen now. */
  running(): Worker[] {
    return [...this.states.values()].filter((state) => state.ready && state.worker.isConnected()).map((state) => state.worker);
  }

  /**
   * Every worker drains (SIGTERM: the same path as a signal to the process group, which they may
   * have received already) and none is replaced; resolves with the exit code once all have exited.
   */
  stop(signal: NodeJS.Signals | 'start failure'): Promise<number> {
    if (this.stopping) {
      this.options.logger.info({ signal }, 'already shutting down');
      return this.stopping;
    }
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    this.options.logger.info(
      { signal, graceMs: this.options.graceMs, workers: [...this.states.values()].map((state) => state.pid) },
      'shutting down: draining every worker',
    );
    return (this.stopping = new Promise<number>((resolve) => {
      const force = setTimeout(() => {
        for (const state of this.states.values()) {
          this.options.logger.error({ workerPid: state.pid }, 'worker still running after the grace period: killing it');
          this.exitCode = 1;
          state.worker.process.kill('SIGKILL');
        }
      }, this.options.graceMs + FORCE_KILL_MARGIN_MS);
      this.allExited = () => {
        clearTimeout(force);
        resolve(this.exitCode);
      };
      for (const state of this.states.values()) state.worker.process.kill('SIGTERM');
      if (this.states.size === 0) this.allExited();
    }));
  }

  private fork(): void {
    const worker = cluster.fork(this.options.env);
    const state: WorkerState = { worker, pid: worker.process.pid ?? -1, forkedAt: Date.now(), ready: false };
    this.states.set(worker.id, state);
    worker.on('message', (message: unknown) => {
      if (isWorkerReady(message)) this.ready(state, message.url);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => this.exited(state, code, signal));
  }

  private ready(state: WorkerState, url: string): void {
    state.ready = true;
    if (this.readyOnce) {
      this.options.logger.info({ workerPid: state.pid }, 'replacement worker ready');
      return;
    }
    if (this.states.size === this.options.size && [...this.states.values()].every((each) => each.ready)) {
      this.readyOnce = true;
      this.options.onReady(url);
    }
  }

  private exited(state: WorkerState, code: number | null, signal: NodeJS.Signals | null): void {
    this.states.delete(state.worker.id);
    const { logger } = this.options;
    if (this.stopping) {
      // Killed by the signal itself (before its handlers were installed) counts as stopped; a failed drain does not.
      if (code !== null && code !== 0) this.exitCode = 1;
      logger.info({ workerPid: state.pid, code, signal }, 'worker exited');
      if (this.states.size === 0) this.allExited?.();
      return;
    }
    if (!this.readyOnce) {
      logger.fatal({ workerPid: state.pid, code, signal }, 'a worker exited before the server was ready');
      this.exitCode = 1;
      this.options.onStartFailure();
      return;
    }
    const livedMs = Date.now() - state.forkedAt;
    const restartInMs = this.policy.delayAfter(livedMs);
    logger.error({ workerPid: state.pid, code, signal, livedMs, restartInMs }, 'worker died: forking a replacement');
    this.options.onRestart();
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping) this.fork();
    }, restartInMs);
    this.restartTimers.add(timer);
  }
}
