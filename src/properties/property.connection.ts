import { connectionType } from '../graphql/pagination.js';
import { Property } from './property.entity.js';
import type { PropertyRecord } from './property.record.js';

export const PropertyConnection = connectionType<PropertyRecord>('Property', Property);
export type PropertyConnection = InstanceType<typeof PropertyConnection>;
