import { AsyncLocalStorage } from 'node:async_hooks';
/** Who acts in the current async scope: every audited write is attributed to it. */
export interface Actor {
  performerId: number;
  ipAddress: string | null;
  userAgent: string | null;
}

const actorStorage = new AsyncLocalStorage<Actor>();

export function runAsActor<T>(actor: Actor, work: () => T): T {
  return actorStorage.run(actor, work);
}

export function currentActor(): Actor | undefined {
  return actorStorage.getStore();
}

export class MissingActorError extends Error {
  override name = 'MissingActorError';
  constructor() {
    super('An audited change was flushed with no actor in scope: wrap the write in runAsActor() or runAsSystem().');
  }
}
