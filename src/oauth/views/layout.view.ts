import { SafeHtml, html } from '../../common/html';

/** The page shell: one stylesheet from this server, no scripts, readable on a phone. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse</title>
<link rel="stylesheet" href="/assets/gatehouse.css">
</head>
<body>
<header class="top"><a class="brand" href="/">Gatehouse</a></header>
<main class="card">
${body}
</main>
</body>
</html>
`.value;
}
