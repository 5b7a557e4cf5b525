import { screen, waitFor } from '@testing-library/react';
import { USER, json, renderApp } from '../test/render-app';

describe('profile and preferences', () => {
  it('changes the full name', async () => {
    const puts: unknown[] = [];
    const app = renderApp('/profile', {
      signedIn: true,
      handlers: {
        'PUT /api/v1/users/me': async (request) => {
          const body = (await request.json()) as { full_name: string };
          puts.push(body);
          return json(200, { ...USER, full_name: body.full_name });
        },
      },
    });
    const name = await screen.findByLabelText('Full name');
    await waitFor(() => expect(name).toHaveValue('Layla'));
    await app.user.clear(name);
    await app.user.type(name, 'ليلى الأمين');
    await app.user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeInTheDocument();
    expect(puts).toEqual([{ full_name: 'ليلى الأمين' }]);
  });

  it("turns a client's e-mail notification off, keeping the other preferences", async () => {
    let preferences: Record<string, unknown> = { language: 'en' };
    const app = renderApp('/profile', {
      signedIn: true,
      handlers: {
        'GET /api/v1/users/me': () => json(200, { ...USER, preferences }),
        'PUT /api/v1/users/me': async (request) => {
          preferences = ((await request.json()) as { preferences: Record<string, unknown> })
            .preferences;
          return json(200, { ...USER, preferences });
        },
      },
    });
    const replies = await screen.findByRole('checkbox', { name: 'my concierge replies' });
    expect(replies).toBeChecked();
    // Staff-only events are not offered to a client.
    expect(screen.queryByRole('checkbox', { name: 'a request is submitted' })).toBeNull();
    await app.user.click(replies);
    await waitFor(() =>
      expect(preferences).toEqual({
        language: 'en',
        notifications: { email: { 'message.created': false } },
      }),
    );
    expect(await screen.findByRole('checkbox', { name: 'my concierge replies' })).not.toBeChecked();
  });
});
