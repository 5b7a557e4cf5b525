/** A service asked for the state of every staff account (`user.snapshot_requested`). */
export interface ReportStaffSnapshotCommand {
  /** The asking service's name. */
  requestedBy: string;
}
