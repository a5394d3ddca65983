import {
  ChangeSetType,
  helper,
  type ChangeSet,
  type EventSubscriber,
  type FlushEventArgs,
} from '@mikro-orm/core';
import { AuditLog, type AuditChanges } from './audit-log.entity.js';
import { AuditAction } from './audit-action.js';
import { AUDIT_SPECS, toApiValue, type AuditSpec } from './audit-spec.js';
import { currentActor, MissingActorError, type Actor } from './actor.js';
import { User } from '../users/user.entity.js';

type EntityData = Record<string, unknown>;

function readCurrent(entity: object): EntityData {
  return entity as EntityData;
}

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

function entryFor(changeSet: ChangeSet<object>, spec: AuditSpec, actor: Actor): AuditLog | undefined {
  const type = changeSet.type;
  if (type !== ChangeSetType.CREATE && type !== ChangeSetType.UPDATE && type !== ChangeSetType.DELETE) return undefined;
  const wrapped = helper(changeSet.entity);
  const before = (changeSet.originalEntity ?? wrapped.__originalEntityData) as EntityData | undefined;
  const changes = diff(spec, type, before, readCurrent(changeSet.entity));
  if (type === ChangeSetType.UPDATE && Object.keys(changes).length === 0) return undefined;
  const id = wrapped.getPrimaryKey();
  if (id === null || id === undefined) throw new MissingEntityIdError(spec.entityType);
  const entry = new AuditLog();
  entry.entityType = spec.entityType;
  entry.entityId = String(id);
  entry.action = actionFor(spec, type, changes);
  entry.changes = changes;
  entry.ipAddress = actor.ipAddress;
  entry.userAgent = actor.userAgent;
  return entry;
}

export class MissingEntityIdError extends Error {
  override name = 'MissingEntityIdError';
  constructor(entityType: string) {
    super(`An audited ${entityType} reached the flush without its id: assign ids before flushing.`);
  }
}

/**
 * Adds one AuditLog to the same flush for every change set of an audited entity, so the change
 * and its entry share one transaction: both commit or neither does.
 */
export class AuditLogSubscriber implements EventSubscriber {
  onFlush({ em, uow }: FlushEventArgs): void {
    const entries: AuditLog[] = [];
    for (const changeSet of [...uow.getChangeSets()]) {
      const spec = AUDIT_SPECS.get(changeSet.entity.constructor);
      if (!spec) continue;
      const actor = currentActor();
      if (!actor) throw new MissingActorError();
      const entry = entryFor(changeSet, spec, actor);
      if (!entry) continue;
      entry.performedBy = em.getReference(User, actor.performerId, { wrapped: true });
      entries.push(entry);
    }
    for (const entry of entries) {
      em.persist(entry);
      uow.computeChangeSet(entry);
    }
  }
}
