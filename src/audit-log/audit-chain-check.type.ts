import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('AuditChainCheck', { simpleResolvers: true, description: 'The result of recomputing one entity\'s audit chain.' })
export class AuditChainCheck {
  @Field(() => String)
  entityType!: string;

  @Field(() => ID)
  entityId!: string;

  @Field(() => Int, { description: 'Entries checked.' })
  length!: number;

  @Field(() => Boolean, { description: 'True when every entry matches its hash, its predecessor and its place in the sequence.' })
  valid!: boolean;

  @Field(() => Int, { nullable: true, description: 'The first entry (lowest seq) that does not match; null when valid.' })
  firstBrokenSeq!: number | null;

  @Field(() => String, { nullable: true, description: 'What does not match there, for a person to read; null when valid.' })
  problem!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The newest entry's hash: kept elsewhere, it also reveals a rewrite of the whole chain.",
  })
  headHash!: string | null;
}
