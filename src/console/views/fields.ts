import { SafeHtml, html } from '../../common/html';

/** Each bad field with its reason, keyed by the form field's name. */
export type FieldErrors = Readonly<Record<string, string>>;

/** The error under a field, referenced by the input's aria-describedby. */
export function fieldError(name: string, errors: FieldErrors): SafeHtml | '' {
  return errors[name] ? html`<p class="field-error" id="${name}-error">${errors[name]}</p>` : '';
}

/** aria-invalid and aria-describedby for a field, pointing at its hint and its error. */
export function describedBy(name: string, errors: FieldErrors, hint: boolean): SafeHtml {
  const ids = [hint ? `${name}-hint` : '', errors[name] ? `${name}-error` : ''].filter(Boolean).join(' ');
  return html`${errors[name] ? html` aria-invalid="true"` : ''}${ids ? html` aria-describedby="${ids}"` : ''}`;
}

/** A labelled single-line input, its hint and its error. */
export function textField(f: {
  name: string;
  label: string;
  value: string;
  errors: FieldErrors;
  hint?: string;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
}): SafeHtml {
  return html`<label for="${f.name}">${f.label}</label>
<input id="${f.name}" name="${f.name}" type="${f.type ?? 'text'}" value="${f.value}"${f.required ? html` required` : ''}${
    f.autocomplete ? html` autocomplete="${f.autocomplete}"` : ''
  }${f.maxlength ? html` maxlength="${f.maxlength}"` : ''}${describedBy(f.name, f.errors, !!f.hint)}>
${fieldError(f.name, f.errors)}
${f.hint ? html`<p class="hint" id="${f.name}-hint">${f.hint}</p>` : ''}`;
}

/** The summary at the top of a form that failed validation. */
export function errorSummary(errors: FieldErrors, labels: Readonly<Record<string, string>>): SafeHtml | '' {
  const names = Object.keys(errors);
  if (names.length === 0) return '';
  const unknown = names.filter((n) => !(n in labels));
  return html`<div class="error" role="alert"><strong>Please correct the ${names.length === 1 ? 'field' : 'fields'} marked below.</strong>${
    unknown.length ? html`<ul>${unknown.map((n) => html`<li>${n}: ${errors[n]}</li>`)}</ul>` : ''
  }</div>`;
}

/** The hidden CSRF field every POST form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}
