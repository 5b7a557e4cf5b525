import { Body, Controller, Get, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '@ajla/auth';
import { GetProfileHandler } from '../../application/get-profile/get-profile.handler';
import { UpdateProfileHandler } from '../../application/update-profile/update-profile.handler';
import type { UserId } from '../../domain/user/user-id';
import { ErrorResponse } from './dto/tokens.response';
import { UpdateProfileRequest } from './dto/user.requests';
import { UserResponse } from './dto/user.response';

@ApiTags('profile')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse })
@Controller('api/v1/users/me')
export class ProfileController {
  constructor(
    private readonly getProfile: GetProfileHandler,
    private readonly updateProfile: UpdateProfileHandler,
  ) {}

  @Get()
  @ApiOperation({ summary: "The caller's account." })
  @ApiOkResponse({ type: UserResponse })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserResponse> {
    return UserResponse.from(await this.getProfile.execute({ userId: caller.id as UserId }));
  }

  @Put()
  @ApiOperation({
    summary: 'Change full_name and/or preferences.',
    description:
      'email, role and tier cannot be changed here: sending them answers 400, like any unknown field.',
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  async update(
    @CurrentUser() caller: AuthenticatedUser,
    @Body() body: UpdateProfileRequest,
  ): Promise<UserResponse> {
    const user = await this.updateProfile.execute({
      userId: caller.id as UserId,
      fullName: body.full_name,
      preferences: body.preferences,
    });
    return UserResponse.from(user);
  }
}
