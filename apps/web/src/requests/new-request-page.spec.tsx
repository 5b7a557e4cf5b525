import { screen, within } from '@testing-library/react';
import { aRequest, json, renderApp } from '../test/render-app';

describe('new request', () => {
  it('offers the four types and submits the chosen one with its description', async () => {
    const created = aRequest({ type: 'events', description: 'Two tickets for the opera' });
    const app = renderApp('/requests/new', {
      signedIn: true,
      handlers: {
        'POST /api/v1/requests': () => json(201, created),
        [`GET /api/v1/requests/${created.id}`]: () => json(200, created),
      },
    });
    const type = await screen.findByRole('combobox', { name: 'Type' });
    expect(
      within(type)
        .getAllByRole('option')
        .map((option) => option.textContent),
    ).toEqual(['Travel', 'Dining', 'Events', 'Shopping']);
    await app.user.selectOptions(type, 'Events');
    await app.user.type(screen.getByLabelText('Description'), '  Two tickets for the opera ');
    await app.user.click(screen.getByRole('button', { name: 'Submit request' }));

    // The request's own page, with its status.
    expect(await screen.findByRole('heading', { name: 'Events' })).toBeInTheDocument();
    expect(screen.getByText('New')).toBeInTheDocument();
    expect(app.calls.find((call) => call.method === 'POST')?.body).toEqual({
      type: 'events',
      description: 'Two tickets for the opera',
    });
  });

  it('cannot be submitted empty', async () => {
    renderApp('/requests/new', { signedIn: true });
    expect(await screen.findByRole('button', { name: 'Submit request' })).toBeDisabled();
  });

  it('shows what the API refused', async () => {
    const app = renderApp('/requests/new', {
      signedIn: true,
      handlers: {
        'POST /api/v1/requests': () =>
          json(400, { detail: 'description must be at most 5000 characters', code: 'validation' }),
      },
    });
    await app.user.type(await screen.findByLabelText('Description'), 'x');
    await app.user.click(screen.getByRole('button', { name: 'Submit request' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'description must be at most 5000 characters',
    );
  });
});
