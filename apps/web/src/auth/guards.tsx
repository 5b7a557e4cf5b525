import { Navigate, Outlet, useLocation } from 'react-router';
import { useMe, useSignedIn } from './use-auth';

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

/** The staff console: agents and admins; a client is sent to their own requests. */
export function RequireStaff() {
  const me = useMe();
  if (!me.data) return null; // loading (RequireSignedIn is above)
  return me.data.role === 'user' ? <Navigate to="/requests" replace /> : <Outlet />;
}

/** Administration: admins only. */
export function RequireAdmin() {
  const me = useMe();
  if (!me.data) return null;
  return me.data.role === 'admin' ? <Outlet /> : <Navigate to="/requests" replace />;
}
