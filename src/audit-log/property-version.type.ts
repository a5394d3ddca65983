import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';

@ObjectType('PropertyVersion', { simpleResolvers: true, description: 'A property as it stood at an instant, rebuilt from the audit log.' })
export class PropertyVersion {
  @Field(() => ID)
  propertyId!: string;

  @Field(() => DateTimeResolver)
  at!: Date;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => Boolean)
  isPublished!: boolean;
}
