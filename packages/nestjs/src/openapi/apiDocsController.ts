// GET /docs: Swagger UI over /openapi.json, served from the swagger-ui-dist package (no network needed, nothing from a CDN).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Param, Res } from '@nestjs/common';
import { z } from 'zod';
import { LucentRoute } from '../routes/lucentRoute.js';

interface ReplyLike {
  type(contentType: string): ReplyLike;
  header(name: string, value: string): ReplyLike;
}

/** The only files of swagger-ui-dist the page loads, with their content types. */
const assets = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
} as const;
type Asset = keyof typeof assets;

const AssetPath = z.strictObject({ asset: z.enum(Object.keys(assets) as [Asset, ...Asset[]]) });

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>API documentation</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/openapi.json',
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
      persistAuthorization: true,
    });
  </script>
</body>
</html>
`;

const distDir = (): string => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

@Controller('docs')
export class ApiDocsController {
  private readonly files = new Map<Asset, Buffer>();

  @LucentRoute('GET', '', { summary: 'Interactive API documentation (Swagger UI over /openapi.json)', public: true, tag: 'docs' })
  index(@Res({ passthrough: true }) reply: ReplyLike): string {
    reply.type('text/html; charset=utf-8');
    return page;
  }

  @LucentRoute('GET', ':asset', { summary: 'A Swagger UI asset', public: true, tag: 'docs', params: AssetPath, refusals: { 400: 'Not one of the page’s assets' } })
  asset(@Param('asset') asset: Asset, @Res({ passthrough: true }) reply: ReplyLike): Buffer {
    let file = this.files.get(asset);
    if (file === undefined) {
      file = readFileSync(join(distDir(), asset));
      this.files.set(asset, file);
    }
    reply.type(assets[asset]).header('cache-control', 'public, max-age=86400');
    return file;
  }
}
