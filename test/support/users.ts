import { runAsSystem } from '../../src/audit-log/system-actor.js';
import { User } from '../../src/users/user.entity.js';
import { Role } from '../../src/users/role.js';
import type { TestServer } from './server.js';
import { signToken } from './tokens.js';

export interface SignedInUser {
  id: string;
  token: string;
  clerkUserId: string;
  email: string;
}

let counter = 0;

/** A user as the API knows it: signed in once (created on first sign-in), then given `role` by the system. */
export async function signIn(server: TestServer, role: Role = Role.USER, name?: string): Promise<SignedInUser> {
  const clerkUserId = name ?? `user_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const email = `${clerkUserId.toLowerCase()}@example.com`;
  const token = await signToken(clerkUserId, { email });
  const response = await server.gql<{ me: { id: string } }>('{ me { id } }', { token });
  if (!response.data?.me) throw new Error(`sign-in failed: ${JSON.stringify(response.errors)}`);
  if (role !== Role.USER) {
    await runAsSystem(server.server.orm, async (em) => {
      const user = await em.findOneOrFail(User, { clerkUserId });
      user.role = role;
      await em.flush();
    });
  }
  return { id: response.data.me.id, token, clerkUserId, email };
}
