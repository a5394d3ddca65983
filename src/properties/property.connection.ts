import { connectionType } from '../graphql/pagination.js';
import { Property } from './property.entity.js';

export const PropertyConnection = connectionType('Property', Property);
export type PropertyConnection = InstanceType<typeof PropertyConnection>;
