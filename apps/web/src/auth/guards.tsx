import { Navigate, Outlet, useLocation } from 'react-router';
import { useSignedIn } from './use-auth';

/** Pages of a signed-in user: a visitor is sent to sign in, and brought back after. */
export function RequireSignedIn() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) {
    return <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />;
  }
  return <Outlet />;
}

/** Sign-in and registration: a signed-in user goes on to where they were headed, or their requests. */
export function RequireSignedOut() {
  const signedIn = useSignedIn();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/requests';
  return signedIn ? <Navigate to={from} replace /> : <Outlet />;
}
