export interface RegisterUserCommand {
  email: string;
  password: string;
  fullName?: string | null;
}
