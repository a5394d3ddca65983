import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { SortDirection } from '../graphql/pagination.js';

@InputType('CreatePropertyInput')
export class CreatePropertyInput {
  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  isPublished?: boolean | null;
}

/** An absent field is left as it is; `description: null` clears the description. */
@InputType('UpdatePropertyInput')
export class UpdatePropertyInput {
  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType('PropertyFilter')
export class PropertyFilter {
  @Field(() => Boolean, { nullable: true })
  isPublished?: boolean | null;

  @Field(() => ID, { nullable: true })
  createdBy?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive match in title or description.' })
  search?: string | null;
}

export enum PropertyOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  TITLE = 'TITLE',
}

registerEnumType(PropertyOrderField, { name: 'PropertyOrderField' });

@InputType('PropertyOrder')
export class PropertyOrder {
  @Field(() => PropertyOrderField, { defaultValue: PropertyOrderField.CREATED_AT })
  field!: PropertyOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction!: SortDirection;
}
