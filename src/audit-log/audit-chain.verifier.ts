import type { SqlRows } from '../db/sql-reader.js';
import { InputError } from '../graphql/input.errors.js';
import { isUuid, parseIntegerId } from '../shared/ids.js';
import {
  ChainAccumulator,
  chainEntriesSql,
  orphanHeadProblem,
  orphanHeadsSql,
  type ChainCheck,
  type ChainEntryRow,
} from './audit-chain-check.js';

const ENTITY_ID_MAX_LENGTH = 64;

const malformedEntityId = (entityType: string): InputError =>
  new InputError('INVALID_INPUT', `"entityId" is not the id of a ${entityType}.`, { argument: 'entityId' });

/**
 * The entity id as audit_log stores it: a property's uuid in lower case, a user's integer as text.
 * An id that cannot be one of the named type is BAD_USER_INPUT; a type that is not audited has no
 * entries, so any id of a storable length is answered (with an empty chain).
 */
export function auditedEntityIdOf(entityType: string, entityId: string): string {
  if (entityType === 'property') {
    if (!isUuid(entityId)) throw malformedEntityId(entityType);
    return entityId.toLowerCase();
  }
  if (entityType === 'user') {
    const id = parseIntegerId(entityId);
    if (id === undefined) throw malformedEntityId(entityType);
    return String(id);
  }
  if (entityId.length === 0 || entityId.length > ENTITY_ID_MAX_LENGTH) {
    throw new InputError('INVALID_INPUT', `"entityId" must be 1 to ${ENTITY_ID_MAX_LENGTH} characters.`, { argument: 'entityId' });
  }
  return entityId;
}

/** One entity's chain, recomputed by the database and compared here. */
export async function verifyEntityChain(sql: SqlRows, entityType: string, rawEntityId: string): Promise<ChainCheck> {
  const entityId = auditedEntityIdOf(entityType, rawEntityId);
  const chain = new ChainAccumulator(entityType, entityId);
  const rows = await sql.rows<ChainEntryRow>(chainEntriesSql(true), [entityType, entityId]);
  for (const row of rows) chain.add(row);
  const result = chain.result();
  if (result.length > 0) return result;
  const [orphan] = await sql.rows<{ seq: number }>(orphanHeadsSql(true), [entityType, entityId]);
  return orphan ? { ...result, valid: false, firstBrokenSeq: 1, problem: orphanHeadProblem(orphan.seq) } : result;
}
