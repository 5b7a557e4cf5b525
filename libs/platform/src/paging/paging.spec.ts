import type { ArgumentMetadata } from '@nestjs/common';
import { ApiProperty, generateSchema } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ValidationError } from '@ajla/shared-kernel';
import { createValidationPipe } from '../http/validation.pipe';
import { PageQueryDto, PageResponseOf, pageOf, pageRequest } from './page.dto';
import { checkPaging } from './paging';

class ListThingsQuery extends PageQueryDto {
  @IsOptional()
  @IsIn(['red', 'blue'])
  colour?: string;
}

class ThingResponse {
  @ApiProperty()
  name!: string;
}

class ThingListResponse extends PageResponseOf(ThingResponse) {}

async function parse(query: Record<string, string>): Promise<ListThingsQuery | string> {
  const metadata: ArgumentMetadata = { type: 'query', metatype: ListThingsQuery };
  try {
    return await createValidationPipe().transform(query, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).message;
  }
}

describe('paging', () => {
  it('reads ?page= and ?page_size= as numbers, defaults filled in by pageRequest', async () => {
    const query = (await parse({ page: '2', page_size: '5', colour: 'red' })) as ListThingsQuery;
    expect(query).toBeInstanceOf(ListThingsQuery);
    expect(pageRequest(query)).toEqual({ page: 2, pageSize: 5 });
    expect(pageRequest((await parse({})) as ListThingsQuery)).toEqual({ page: 1, pageSize: 20 });
  });

  it('answers the validation pipe with the first broken rule of each field, own filters first', async () => {
    expect(await parse({ page_size: '101' })).toBe('page_size must not be greater than 100');
    expect(await parse({ page_size: '0' })).toBe('page_size must not be less than 1');
    expect(await parse({ page: '0' })).toBe('page must not be less than 1');
    expect(await parse({ page: 'abc' })).toBe('page must be an integer number');
    expect(await parse({ page: '2147483648' })).toBe('page must not be greater than 2147483647');
    expect(await parse({ page: '99999999999999999999' })).toBe(
      'page must not be greater than 2147483647',
    );
    expect(await parse({ page: '1e400' })).toBe('page must be an integer number');
    expect(await parse({ page: '-1', colour: 'green', extra: 'x' })).toBe(
      'property extra should not exist; colour must be one of the following values: red, blue; page must not be less than 1',
    );
  });

  it('checkPaging refuses what the query DTO refuses, with codes', () => {
    expect(() => checkPaging({ page: 1, pageSize: 100 })).not.toThrow();
    expect(() => checkPaging({ page: 0, pageSize: 20 })).toThrow(
      expect.objectContaining({
        message: 'page must be a whole number from 1 to 2147483647',
        reason: 'invalid_page',
      }),
    );
    expect(() => checkPaging({ page: 1.5, pageSize: 20 })).toThrow('page must be');
    expect(() => checkPaging({ page: 2 ** 31, pageSize: 20 })).toThrow('page must be');
    expect(() => checkPaging({ page: 2 ** 31 - 1, pageSize: 20 })).not.toThrow();
    for (const pageSize of [0, 101, 2.5]) {
      expect(() => checkPaging({ page: 1, pageSize })).toThrow(
        expect.objectContaining({
          message: 'page_size must be a whole number from 1 to 100',
          reason: 'invalid_page_size',
        }),
      );
    }
  });

  it("pageOf gives API.md's list body", () => {
    const list = { items: [{ n: 1 }, { n: 2 }], total: 7, page: 2, pageSize: 2 };
    expect(pageOf(list, (item) => ({ name: `#${item.n}` }))).toEqual({
      items: [{ name: '#1' }, { name: '#2' }],
      total: 7,
      page: 2,
      page_size: 2,
    });
  });

  it('PageResponseOf describes items of the given class, total, page and page_size', () => {
    const { schema, schemas } = generateSchema(ThingListResponse);
    expect(Object.keys(schemas)).toContain('ThingResponse');
    expect(schema).toEqual({
      type: 'object',
      properties: {
        items: { type: 'array', items: { $ref: '#/components/schemas/ThingResponse' } },
        total: { type: 'number', example: 1 },
        page: { type: 'number', example: 1 },
        page_size: { type: 'number', example: 20 },
      },
      required: ['items', 'total', 'page', 'page_size'],
    });
  });
});
