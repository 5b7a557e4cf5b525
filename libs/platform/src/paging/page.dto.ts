import type { Type as ClassOf } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, type PageRequest, type Paged } from './paging';

/** `?page=&page_size=` of a list route; extend it with the list's own filters. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size?: number;
}

/** The page a query asks for, defaults filled in (page 1, 20 a page). */
export function pageRequest(query: PageQueryDto): PageRequest {
  return { page: query.page ?? 1, pageSize: query.page_size ?? DEFAULT_PAGE_SIZE };
}

/** API.md's list body. */
export interface PageResponse<R> {
  items: R[];
  total: number;
  page: number;
  page_size: number;
}

/** A use case's page as API.md's list body, each item mapped by `toResponse`. */
export function pageOf<T, R>(list: Paged<T>, toResponse: (item: T) => R): PageResponse<R> {
  return {
    items: list.items.map((item) => toResponse(item)),
    total: list.total,
    page: list.page,
    page_size: list.pageSize,
  };
}

/**
 * The OpenAPI class of a list of `item`s: `export class UserListResponse extends
 * PageResponseOf(UserResponse) {}` (the subclass gives the schema its name).
 */
export function PageResponseOf<R>(item: ClassOf<R>): ClassOf<PageResponse<R>> {
  class PageResponseOfItem implements PageResponse<R> {
    @ApiProperty({ type: [item] })
    items!: R[];

    @ApiProperty({ example: 1 })
    total!: number;

    @ApiProperty({ example: 1 })
    page!: number;

    @ApiProperty({ example: DEFAULT_PAGE_SIZE })
    page_size!: number;
  }
  return PageResponseOfItem;
}
