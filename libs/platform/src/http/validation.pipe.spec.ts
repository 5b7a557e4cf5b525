import { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { ValidationError } from '@ajla/shared-kernel';
import { createValidationPipe } from './validation.pipe';

class Address {
  @IsString()
  city!: string;
}

class Register {
  @IsEmail()
  email!: string;

  @IsInt()
  @Min(1)
  @Max(10)
  seats!: number;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

const metadata: ArgumentMetadata = { type: 'body', metatype: Register };

async function detailOf(body: unknown): Promise<string> {
  try {
    await createValidationPipe().transform(body, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
  throw new Error('expected a validation error');
}

describe('createValidationPipe', () => {
  it('returns a DTO instance for a valid body', async () => {
    const value = await createValidationPipe().transform(
      { email: 'a@b.co', seats: 2, address: { city: 'Riyadh' } },
      metadata,
    );
    expect(value).toBeInstanceOf(Register);
    expect(value.address).toBeInstanceOf(Address);
  });

  it('refuses unknown fields by name', async () => {
    expect(
      await detailOf({ email: 'a@b.co', seats: 2, address: { city: 'x' }, role: 'admin' }),
    ).toBe('property role should not exist');
  });

  it('gives the first rule, as written, of each bad field, nested ones with their path', async () => {
    expect(await detailOf({ email: 'nope', address: { city: 5 } })).toBe(
      'email must be an email; seats must be an integer number; address.city must be a string',
    );
  });

  it('treats a missing body as an empty object', async () => {
    expect(await detailOf(undefined)).toContain('email must be an email');
  });
});
