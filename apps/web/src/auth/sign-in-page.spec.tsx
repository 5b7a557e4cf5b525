import { screen } from '@testing-library/react';
import { json, renderApp } from '../test/render-app';

const TOKENS = {
  access_token: 'access-1',
  refresh_token: 'refresh-1',
  token_type: 'bearer',
  expires_in: 900,
};

describe('sign in', () => {
  it('signs in with e-mail and password and opens the requests', async () => {
    const app = renderApp('/sign-in', {
      handlers: {
        'POST /api/v1/auth/login': () => json(200, TOKENS),
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
      },
    });
    expect(document.title).toBe('Sign in · AJLA');
    await app.user.type(screen.getByLabelText('Email'), 'layla@example.com');
    await app.user.type(screen.getByLabelText('Password'), 'a long password');
    await app.user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'My requests' })).toBeInTheDocument();
    // The new page is named, and the keyboard starts at its content.
    expect(document.title).toBe('My requests · AJLA');
    expect(screen.getByRole('main')).toHaveFocus();
    expect(app.calls.find((call) => call.path === '/api/v1/auth/login')?.body).toEqual({
      email: 'layla@example.com',
      password: 'a long password',
    });
    expect(app.services.tokens.get()?.refreshToken).toBe('refresh-1');
    // The list is asked for with the new access token.
    const list = app.calls.find((call) => call.path === '/api/v1/requests');
    expect(list?.headers.get('authorization')).toBe('Bearer access-1');
  });

  it('says so when the e-mail or password is wrong, and stays signed out', async () => {
    const app = renderApp('/sign-in', {
      handlers: {
        'POST /api/v1/auth/login': () =>
          json(401, { detail: 'invalid e-mail or password', code: 'invalid_credentials' }),
      },
    });
    await app.user.type(screen.getByLabelText('Email'), 'layla@example.com');
    await app.user.type(screen.getByLabelText('Password'), 'wrong password');
    await app.user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The e-mail or password is not right.',
    );
    expect(app.services.tokens.get()).toBeUndefined();
  });

  it('sends a visitor of a signed-in page to sign in first, and back there after', async () => {
    const app = renderApp('/profile', {
      handlers: { 'POST /api/v1/auth/login': () => json(200, TOKENS) },
    });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    await app.user.type(screen.getByLabelText('Email'), 'layla@example.com');
    await app.user.type(screen.getByLabelText('Password'), 'a long password');
    await app.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Profile' })).toBeInTheDocument();
  });

  it('signs out: the server ends the session and the tokens are forgotten', async () => {
    const app = renderApp('/requests', {
      signedIn: true,
      handlers: {
        'GET /api/v1/requests': () => json(200, { items: [], total: 0, page: 1, page_size: 20 }),
        'POST /api/v1/auth/logout': () => json(204),
      },
    });
    await app.user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    const logout = app.calls.find((call) => call.path === '/api/v1/auth/logout');
    expect(logout?.body).toEqual({ refresh_token: 'refresh-1' });
    expect(logout?.headers.get('authorization')).toBe('Bearer access-1');
    expect(app.services.tokens.get()).toBeUndefined();
  });
});
