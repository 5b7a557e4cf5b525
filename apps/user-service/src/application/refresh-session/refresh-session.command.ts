export interface RefreshSessionCommand {
  refreshToken: string;
}
