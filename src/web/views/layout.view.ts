import { SafeHtml, html } from '../../common/html';

export interface LayoutOptions {
  /** A wider card, for the developer console's lists and forms. */
  wide?: boolean;
  /** The signed-in user's name: the header then links to the console and to sign out. */
  signedInAs?: string;
}

/** The page shell: one stylesheet from this server, no scripts (the form_post page adds its one, allowed by hash), readable on a phone. */
export function layout(title: string, body: SafeHtml, options: LayoutOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse</title>
<link rel="stylesheet" href="/assets/gatehouse.css">
</head>
<body>
<header class="top"><a class="brand" href="/">Gatehouse</a>${
      options.signedInAs
        ? html`<nav class="nav" aria-label="Account"><a href="/console">Console</a><span class="who">${options.signedInAs}</span><a href="/logout">Sign out</a></nav>`
        : ''
    }</header>
<main class="${options.wide ? 'card wide' : 'card'}">
${body}
</main>
</body>
</html>
`.value;
}
