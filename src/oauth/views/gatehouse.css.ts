/** The one stylesheet, served by AssetsController (no CDN: the server may run offline). */
export const GATEHOUSE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
.top{background:#1d2330;padding:.75rem 1rem}.brand{color:#fff;font-weight:600;text-decoration:none}
.card{max-width:34rem;margin:2rem auto;background:#fff;border-radius:10px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card.wide{max-width:56rem}
h1{font-size:1.35rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select,textarea{width:100%;padding:.55rem .6rem;border:1px solid #c3c8d2;border-radius:6px;font:inherit}
input[type=checkbox]{width:auto;margin-right:.4rem}
.checks label{font-weight:400;display:flex;align-items:center;margin:.2rem 0}
button,.button{display:inline-block;padding:.6rem 1.1rem;border-radius:6px;border:1px solid transparent;font:inherit;cursor:pointer;text-decoration:none}
.primary{background:#2457d6;color:#fff}.secondary{background:#fff;border-color:#c3c8d2;color:#1d2330}.danger{background:#c62828;color:#fff}
form>button.primary{margin-top:1rem;width:100%}
.actions{display:flex;gap:.75rem;justify-content:flex-end;margin-top:1.25rem}
.error{color:#b00020;background:#fdecee;border-radius:6px;padding:.5rem .75rem}
.field-error{color:#b00020;font-size:.9rem;margin:.2rem 0 0}
.notice{background:#eef7ee;border-radius:6px;padding:.75rem}
.secret{font-family:ui-monospace,monospace;word-break:break-all;background:#fff8e1;padding:.5rem;border-radius:6px}
.scopes{padding-left:1.2rem}.scopes code{background:#eef1f6;padding:0 .3rem;border-radius:4px;margin-right:.4rem}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e6eb;vertical-align:top}
.lead{color:#4a5263}.inline{display:inline}
@media (max-width:600px){.card{margin:0;border-radius:0}}
`;
