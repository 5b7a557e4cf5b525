import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Roles, type AuthenticatedUser } from '@ajla/auth';
import { pageOf, pageRequest } from '@ajla/platform';
import { ChangeUserAccessHandler } from '../../application/change-user-access/change-user-access.handler';
import { CreateStaffUserHandler } from '../../application/create-staff-user/create-staff-user.handler';
import { ListUsersHandler } from '../../application/list-users/list-users.handler';
import type { UserId } from '../../domain/user/user-id';
import { CreateStaffUserRequest } from './dto/auth.requests';
import { ErrorResponse } from './dto/tokens.response';
import { ChangeUserAccessRequest, ListUsersRequest } from './dto/user.requests';
import { UserListResponse, UserResponse } from './dto/user.response';

/** Staff management: admins only (agents get 403). */
@ApiTags('admin: users')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@ApiForbiddenResponse({ type: ErrorResponse, description: 'The caller is not an admin.' })
@ApiBadRequestResponse({ type: ErrorResponse })
@Roles('admin')
@Controller('api/v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly createStaffUser: CreateStaffUserHandler,
    private readonly listUsers: ListUsersHandler,
    private readonly changeUserAccess: ChangeUserAccessHandler,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a staff account (role agent or admin).' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The e-mail is taken.' })
  async create(@Body() body: CreateStaffUserRequest): Promise<UserResponse> {
    const user = await this.createStaffUser.execute({
      email: body.email,
      password: body.password,
      fullName: body.full_name,
      role: body.role,
    });
    return UserResponse.from(user);
  }

  @Get()
  @ApiOperation({ summary: 'Accounts, newest first, optionally of one role.' })
  @ApiOkResponse({ type: UserListResponse })
  async list(@Query() query: ListUsersRequest): Promise<UserListResponse> {
    const list = await this.listUsers.execute({ role: query.role, ...pageRequest(query) });
    return pageOf(list, UserResponse.from);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change an account's role and/or tier.",
    description:
      'An admin cannot change their own role (409). Access tokens already issued to the account are ' +
      'taken with the new role and tier everywhere within a second; its open chat WebSockets are ' +
      'closed (1008) so they reconnect with a fresh token. 503 if that could not be announced ' +
      '(the change is saved; retry).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'An admin changing their own role.' })
  async change(
    @Param('id') id: string,
    @Body() body: ChangeUserAccessRequest,
    @CurrentUser() caller: AuthenticatedUser,
  ): Promise<UserResponse> {
    const user = await this.changeUserAccess.execute({
      changedBy: caller.id as UserId,
      userId: id,
      role: body.role,
      tier: body.tier,
    });
    return UserResponse.from(user);
  }
}
