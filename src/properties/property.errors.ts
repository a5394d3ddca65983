import { DomainError } from '../shared/domain-error.js';

export type PropertyErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'FORBIDDEN';

export class PropertyError extends DomainError<PropertyErrorCode> {
  override name = 'PropertyError';
}

export const malformedPropertyId = (argument = 'id'): PropertyError =>
  new PropertyError('INVALID_INPUT', `"${argument}" is not a property id (a UUID).`, { argument });
export const propertyNotFound = (): PropertyError =>
  new PropertyError('NOT_FOUND', 'No such property, or it is not visible to you.');
export const invalidTitle = (max: number): PropertyError =>
  new PropertyError('INVALID_INPUT', `"title" must have 1 to ${max} characters after trimming.`, { argument: 'title' });
export const descriptionTooLong = (max: number): PropertyError =>
  new PropertyError('INVALID_INPUT', `"description" must have at most ${max} characters.`, { argument: 'description' });
export const notYourProperty = (): PropertyError =>
  new PropertyError('FORBIDDEN', 'Only the agent who created this property, or an admin, may change it.');
