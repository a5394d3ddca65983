import { descriptionTooLong, invalidTitle } from './property.errors.js';

export const TITLE_MAX = 255;
export const DESCRIPTION_MAX = 20_000;

/** Counted in code points, as PostgreSQL counts varchar characters (an emoji is one, not two). */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The title as stored: trimmed, 1–255 characters. */
export function normalizeTitle(title: string | null | undefined): string {
  const trimmed = (title ?? '').trim();
  const length = characters(trimmed);
  if (length < 1 || length > TITLE_MAX) throw invalidTitle(TITLE_MAX);
  return trimmed;
}

/** The description as stored: as given (null clears it), at most 20,000 characters. */
export function checkDescription(description: string | null | undefined): string | null {
  if (description === null || description === undefined) return null;
  if (characters(description) > DESCRIPTION_MAX) throw descriptionTooLong(DESCRIPTION_MAX);
  return description;
}
