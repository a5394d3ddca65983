import { Role } from '../users/role.js';

/**
 * The development data set: enough users of each role, listings in every state and a history of
 * changes that a frontend developer can click through. Clerk ids start with `seed_` and emails use
 * the reserved `.test` domain, so they never meet a real account or the README's tour users.
 */
export interface SeedUser {
  clerkUserId: string;
  email: string;
  role: Role;
}

export const SEED_USERS = [
  { clerkUserId: 'seed_user_uma', email: 'uma@seed.bestays.test', role: Role.USER },
  { clerkUserId: 'seed_user_ben', email: 'ben@seed.bestays.test', role: Role.USER },
  { clerkUserId: 'seed_agent_alice', email: 'alice@seed.bestays.test', role: Role.AGENT },
  { clerkUserId: 'seed_agent_carlos', email: 'carlos@seed.bestays.test', role: Role.AGENT },
  { clerkUserId: 'seed_admin_dana', email: 'dana@seed.bestays.test', role: Role.ADMIN },
  { clerkUserId: 'seed_admin_eli', email: 'eli@seed.bestays.test', role: Role.ADMIN },
] as const satisfies readonly SeedUser[];

type SeedClerkId = (typeof SEED_USERS)[number]['clerkUserId'];

/** One change after the listing's creation, made by its owner unless `by` names an admin. */
export type SeedStep =
  | { kind: 'update'; title?: string; description?: string; by?: SeedClerkId }
  | { kind: 'publish'; by?: SeedClerkId }
  | { kind: 'unpublish'; by?: SeedClerkId }
  | { kind: 'delete'; by?: SeedClerkId };

export interface SeedListing {
  owner: SeedClerkId;
  title: string;
  description: string;
  steps: readonly SeedStep[];
}

export const SEED_LISTINGS: readonly SeedListing[] = [
  {
    owner: 'seed_agent_alice',
    title: 'Sea view flat in Lisbon',
    description: 'Two bedrooms, a balcony over the Tagus.',
    steps: [
      { kind: 'update', description: 'Two bedrooms, a balcony over the Tagus, five minutes from the tram.' },
      { kind: 'publish' },
    ],
  },
  {
    owner: 'seed_agent_alice',
    title: 'Loft near the old town',
    description: 'Open plan, high ceilings, quiet street.',
    steps: [{ kind: 'publish' }, { kind: 'update', title: 'Bright loft near the old town', by: 'seed_admin_dana' }],
  },
  {
    owner: 'seed_agent_alice',
    title: 'Garden cottage',
    description: 'One bedroom and a small garden; photos to follow.',
    steps: [{ kind: 'update', title: 'Garden cottage with a lemon tree' }],
  },
  {
    owner: 'seed_agent_alice',
    title: 'Studio by the station',
    description: 'Compact studio, ideal for short stays.',
    steps: [
      { kind: 'publish' },
      { kind: 'unpublish', by: 'seed_admin_eli' },
      { kind: 'update', description: 'Compact studio, ideal for short stays. Being repainted until next month.' },
    ],
  },
  {
    owner: 'seed_agent_carlos',
    title: 'Mountain cabin',
    description: 'Wood stove, three beds, a view of the valley.',
    steps: [{ kind: 'publish' }],
  },
  {
    owner: 'seed_agent_carlos',
    title: 'Riverside apartment',
    description: 'Draft: waiting for the owner to confirm the price.',
    steps: [],
  },
  {
    owner: 'seed_agent_carlos',
    title: 'Old warehouse conversion',
    description: 'Listed by mistake: the building is not for rent.',
    steps: [{ kind: 'publish' }, { kind: 'delete', by: 'seed_admin_dana' }],
  },
  {
    owner: 'seed_agent_carlos',
    title: 'Family house with pool',
    description: 'Four bedrooms, a pool and a garden.',
    steps: [
      { kind: 'update', title: 'Family house with a pool' },
      { kind: 'publish' },
      { kind: 'update', description: 'Four bedrooms, a heated pool and a garden; pets welcome.', by: 'seed_admin_eli' },
    ],
  },
];
