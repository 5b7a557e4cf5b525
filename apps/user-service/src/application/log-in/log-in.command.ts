export interface LogInCommand {
  email: string;
  password: string;
  /** The client's address, for throttling. */
  clientAddress: string;
}
