import {
  ChangeSetType,
  helper,
  type ChangeSet,
  type EntityName,
  type EventArgs,
  type EventSubscriber,
  type FlushEventArgs,
  type TransactionEventArgs,
  type UnitOfWork,
} from '@mikro-orm/core';
import { AuditLog, type AuditChanges } from './audit-log.entity.js';
import { AuditAction } from './audit-action.js';
import { AUDIT_SPECS, toApiValue, type AuditSpec } from './audit-spec.js';
import { currentActor, MissingActorError, type Actor } from './actor.js';
import { nextAuditInstant } from './audit-clock.js';
import { User } from '../users/user.entity.js';

type EntityData = Record<string, unknown>;

export class MissingEntityIdError extends Error {
  override name = 'MissingEntityIdError';
  constructor(entityType: string) {
    super(`An audited ${entityType} reached the flush without its id: assign ids before flushing.`);
  }
}

/** The flush would commit a CREATE entry for a row that was never inserted (MikroORM #7542). */
export class UnwrittenCreateError extends Error {
  override name = 'UnwrittenCreateError';
  constructor(count: number) {
    super(`${count} audited CREATE change set(s) reached the commit without their INSERT: refusing to commit their audit entries.`);
  }
}

/**
 * `before` is the state as last read from or written to the database (MikroORM's snapshot:
 * relations as their ids, instants as Dates), `after` the entity as it is now. Both go through
 * toApiValue, so a snapshot id and a loaded reference compare equal.
 */
function diff(spec: AuditSpec, type: ChangeSetType, before: EntityData | undefined, after: EntityData): AuditChanges {
  const changes: AuditChanges = {};
  for (const field of spec.fields) {
    const oldValue = type === ChangeSetType.CREATE ? null : toApiValue(field.kind, before?.[field.name]);
    const newValue = type === ChangeSetType.DELETE ? null : toApiValue(field.kind, after[field.name]);
    if (type === ChangeSetType.UPDATE && JSON.stringify(oldValue) === JSON.stringify(newValue)) continue;
    changes[field.name] = { old: oldValue, new: newValue };
  }
  return changes;
}

function actionFor(spec: AuditSpec, type: ChangeSetType, changes: AuditChanges): AuditAction {
  if (type === ChangeSetType.CREATE) return AuditAction.CREATE;
  if (type === ChangeSetType.DELETE) return AuditAction.DELETE;
  const publish = spec.publishField ? changes[spec.publishField] : undefined;
  if (publish) {
    const meaningful = Object.keys(changes).filter(
      (name) => name !== spec.publishField && !spec.publishCompanions?.includes(name),
    );
    if (meaningful.length === 0) return publish.new === true ? AuditAction.PUBLISH : AuditAction.UNPUBLISH;
  }
  return AuditAction.UPDATE;
}

/** The change set's type as the audit sees it; early variants (re-created rows) count as their plain kind. */
function auditedType(type: ChangeSetType): ChangeSetType | undefined {
  switch (type) {
    case ChangeSetType.CREATE:
      return ChangeSetType.CREATE;
    case ChangeSetType.UPDATE:
    case ChangeSetType.UPDATE_EARLY:
      return ChangeSetType.UPDATE;
    case ChangeSetType.DELETE:
    case ChangeSetType.DELETE_EARLY:
      return ChangeSetType.DELETE;
    default:
      return undefined;
  }
}

function entryFor(changeSet: ChangeSet<object>, spec: AuditSpec): Pick<AuditLog, 'entityType' | 'entityId' | 'action' | 'changes'> | undefined {
  const type = auditedType(changeSet.type);
  if (!type) return undefined;
  const wrapped = helper(changeSet.entity);
  // DELETE change sets carry no originalEntity; the snapshot is still on the entity.
  const before = (changeSet.originalEntity ?? wrapped.__originalEntityData) as EntityData | undefined;
  const changes = diff(spec, type, before, changeSet.entity as EntityData);
  if (type === ChangeSetType.UPDATE && Object.keys(changes).length === 0) return undefined;
  const id = wrapped.getPrimaryKey();
  if (id === null || id === undefined) throw new MissingEntityIdError(spec.entityType);
  return { entityType: spec.entityType, entityId: String(id), action: actionFor(spec, type, changes), changes };
}

/**
 * Adds one AuditLog to the same flush for every change set of an audited entity, so the change
 * and its entry share one transaction: both commit or neither does.
 */
export class AuditLogSubscriber implements EventSubscriber {
  /** Audited entities whose CREATE entry was written in the flush under way and whose own INSERT has not been seen yet. */
  readonly #awaitingInsert = new WeakMap<UnitOfWork, Set<object>>();

  getSubscribedEntities(): EntityName<object>[] {
    // Entity events (afterCreate) only for audited entities; flush events reach every subscriber anyway.
    return [...AUDIT_SPECS.keys()] as EntityName<object>[];
  }

  onFlush({ em, uow }: FlushEventArgs): void {
    const awaiting = new Set<object>();
    this.#awaitingInsert.set(uow, awaiting);
    let actor: Actor | undefined;
    // One stamp per flush, taken now rather than when the entity was built: the flush runs after
    // the service's row lock, so successive changes to one row get increasing stamps.
    let performedAt: Date | undefined;
    for (const changeSet of uow.getChangeSets()) {
      const spec = AUDIT_SPECS.get(changeSet.entity.constructor);
      if (!spec) continue;
      actor ??= currentActor();
      if (!actor) throw new MissingActorError();
      const fields = entryFor(changeSet, spec);
      if (!fields) continue;
      performedAt ??= nextAuditInstant();
      const entry = Object.assign(new AuditLog(), fields, {
        performedAt,
        ipAddress: actor.ipAddress,
        userAgent: actor.userAgent,
        performedBy: em.getReference(User, actor.performerId, { wrapped: true }),
      });
      em.persist(entry);
      uow.computeChangeSet(entry);
      if (changeSet.type === ChangeSetType.CREATE) awaiting.add(changeSet.entity);
    }
  }

  afterCreate({ entity, em }: EventArgs<object>): void {
    this.#awaitingInsert.get(em.getUnitOfWork(false))?.delete(entity);
  }

  /** Inside a caller's transaction (em.transactional) the flush ends before the commit: check here. */
  afterFlush({ em, uow }: FlushEventArgs): void {
    if (em.isInTransaction()) this.#assertInserted(uow);
    this.#awaitingInsert.delete(uow);
  }

  /** A bare em.flush opens and commits its own transaction: this is its last moment to refuse. */
  beforeTransactionCommit({ uow }: TransactionEventArgs): void {
    if (uow) this.#assertInserted(uow);
  }

  #assertInserted(uow: UnitOfWork): void {
    const awaiting = this.#awaitingInsert.get(uow);
    if (awaiting && awaiting.size > 0) {
      const count = awaiting.size;
      this.#awaitingInsert.delete(uow);
      throw new UnwrittenCreateError(count);
    }
  }
}
