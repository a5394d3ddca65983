import { connectionType } from '../graphql/pagination.js';
import { User } from './user.entity.js';

export const UserConnection = connectionType('User', User);
export type UserConnection = InstanceType<typeof UserConnection>;
