import { RouteTable } from '../routing/route-table';
import { OpenApiDocument, ServiceDocument, mergeOpenApi } from './openapi-merge';

const FETCH_TIMEOUT_MS = 5000;
/** A document missing a service is kept briefly only, so the service's paths return soon after it does. */
const INCOMPLETE_TTL_MS = 5000;

/** The combined OpenAPI document, built from each service's `/docs-json` and cached. */
export class ApiDocs {
  private cached: { document: OpenApiDocument; expires: number } | undefined;
  private building: Promise<OpenApiDocument> | undefined;

  constructor(
    private readonly routes: RouteTable,
    private readonly ttlMs: number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async document(): Promise<OpenApiDocument> {
    if (this.cached && this.cached.expires > Date.now()) return this.cached.document;
    // Concurrent callers share one round of fetches.
    this.building ??= this.build().finally(() => (this.building = undefined));
    return this.building;
  }

  private async build(): Promise<OpenApiDocument> {
    const documents = await Promise.all(
      [...this.routes.services].map(async ([service, baseUrl]): Promise<ServiceDocument> => ({
        service,
        document: await this.fetchDocument(baseUrl),
      })),
    );
    const document = mergeOpenApi(documents, this.routes);
    const complete = documents.every((entry) => entry.document !== undefined);
    this.cached = {
      document,
      expires: Date.now() + (complete ? this.ttlMs : Math.min(this.ttlMs, INCOMPLETE_TTL_MS)),
    };
    return document;
  }

  private async fetchDocument(baseUrl: string): Promise<OpenApiDocument | undefined> {
    try {
      const response = await this.fetchFn(`${baseUrl}/docs-json`, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return undefined;
      }
      const document = (await response.json()) as unknown;
      return typeof document === 'object' && document !== null && !Array.isArray(document)
        ? (document as OpenApiDocument)
        : undefined;
    } catch {
      return undefined;
    }
  }
}
