import { Controller, Get, Header, SetMetadata } from '@nestjs/common';
import { type AsyncApiDocument, asyncApiDocument } from '@ajla/contracts';
import { PUBLIC_ROUTE_KEY } from '@ajla/platform';
import { EVENT_DOCS_STYLESHEET, renderEventDocsPage } from './event-docs-page';

/**
 * The events' documentation, beside the HTTP API's: `GET /docs/asyncapi.json` (the AsyncAPI
 * document generated from `@ajla/contracts`) and `GET /docs/events` (the same, as a page).
 * Exact routes: they win over Swagger UI's static files below `/docs` whatever the order.
 */
@Controller('docs')
export class EventDocsController {
  // The contracts are compiled in: built once, answered from memory.
  private readonly document: AsyncApiDocument = asyncApiDocument();
  private readonly page = renderEventDocsPage(this.document);

  @SetMetadata(PUBLIC_ROUTE_KEY, true)
  @Get('asyncapi.json')
  asyncApi(): AsyncApiDocument {
    return this.document;
  }

  @SetMetadata(PUBLIC_ROUTE_KEY, true)
  @Get('events')
  @Header('content-type', 'text/html; charset=utf-8')
  events(): string {
    return this.page;
  }

  @SetMetadata(PUBLIC_ROUTE_KEY, true)
  @Get('events.css')
  @Header('content-type', 'text/css; charset=utf-8')
  stylesheet(): string {
    return EVENT_DOCS_STYLESHEET;
  }
}
