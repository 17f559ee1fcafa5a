/** The one stylesheet, served by AssetsController (no CDN: the server may run offline). */
export const GATEHOUSE_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}
a{color:#2457d6}
.top{background:#1d2330;padding:.75rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem}
.brand{color:#fff;font-weight:600;text-decoration:none;margin-right:auto}
.nav{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem;font-size:.95rem}
.nav a{color:#dfe6f5}.nav .who{color:#9aa4b8}
.card{max-width:34rem;margin:2rem auto;background:#fff;border-radius:10px;padding:1.5rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.card.wide{max-width:52rem}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 1rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
h1 small{display:block;font-size:.95rem;font-weight:400;color:#4a5263;margin-top:.25rem}
.section-head{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem;margin:2rem 0 .5rem}
.section-head h2{margin:0}
label,legend{display:block;font-weight:600;margin:1rem 0 .25rem;padding:0}
fieldset{border:0;margin:1rem 0 0;padding:0;min-width:0}
legend{margin:0 0 .25rem}
.card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}
input,select,textarea{width:100%;padding:.55rem .6rem;border:1px solid #c3c8d2;border-radius:6px;font:inherit;background:#fff;color:inherit}
textarea{min-height:5.5rem;resize:vertical;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem}
input:focus,select:focus,textarea:focus{outline:2px solid #2457d6;outline-offset:1px;border-color:#2457d6}
input[aria-invalid=true],textarea[aria-invalid=true],select[aria-invalid=true],fieldset[aria-invalid=true] .checks{border-color:#b00020;box-shadow:0 0 0 1px #b00020}
input[type=checkbox]{width:1.1rem;height:1.1rem;margin:0 .5rem 0 0;flex:none}
.checks{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;border:1px solid transparent;border-radius:6px;padding:.15rem .25rem}
.checks label{font-weight:400;display:flex;align-items:center;margin:.2rem 0}
.hint{color:#5b6477;font-size:.875rem;margin:.2rem 0 0}
button,.button{display:inline-block;padding:.6rem 1.1rem;border-radius:6px;border:1px solid transparent;font:inherit;font-weight:500;cursor:pointer;text-decoration:none;text-align:center;line-height:1.3}
.primary{background:#2457d6;color:#fff}.primary:hover{background:#1c47b3}
.secondary{background:#fff;border-color:#c3c8d2;color:#1d2330}.secondary:hover{background:#f0f2f5}
.danger{background:#c62828;color:#fff}.danger:hover{background:#a31f1f}
.small{padding:.35rem .75rem;font-size:.9rem}
form>button.primary{margin-top:1.25rem;width:100%}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;justify-content:flex-end;margin-top:1.25rem}
.actions button{flex:1 1 8rem}
.error{color:#b00020;background:#fdecee;border-radius:6px;padding:.5rem .75rem}
.field-error{color:#b00020;font-size:.9rem;margin:.25rem 0 0;font-weight:500}
.notice{background:#eef7ee;border-radius:6px;padding:.75rem}
.warning{background:#fff8e1;border-radius:6px;padding:.75rem}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all;background:#fff8e1;padding:.5rem .6rem;border-radius:6px;display:block}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;word-break:break-all}
.scopes{padding-left:1.2rem}.scopes code{background:#eef1f6;padding:0 .3rem;border-radius:4px;margin-right:.4rem}
dl.props{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:.75rem 0}
dl.props dt{font-weight:600;color:#4a5263}dl.props dd{margin:0;min-width:0}
.items{list-style:none;margin:0;padding:0}
.items>li{border:1px solid #e3e6eb;border-radius:8px;padding:.75rem 1rem;margin:.6rem 0;display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem}
.items .main{flex:1 1 16rem;min-width:0}
.items .name{font-weight:600}
.items .meta{color:#5b6477;font-size:.9rem}
.tag{display:inline-block;background:#eef1f6;border-radius:4px;padding:0 .35rem;font-size:.85rem;margin:.1rem .25rem .1rem 0}
.empty{color:#5b6477;font-style:italic}
.danger-zone{border-top:1px solid #e3e6eb;margin-top:2rem;padding-top:.5rem}
.danger-zone form{margin:1rem 0}.danger-zone .hint{margin:0 0 .4rem}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #e3e6eb;vertical-align:top}
.lead{color:#4a5263}.inline{display:inline}
@media (max-width:600px){.card{margin:0;border-radius:0;box-shadow:none;padding:1.25rem 1rem}dl.props{grid-template-columns:1fr}dl.props dd{margin-bottom:.4rem}}
`;
